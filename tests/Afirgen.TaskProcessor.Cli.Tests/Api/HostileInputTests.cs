using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary>
/// Every route against malformed and hostile input: huge numbers, wrong JSON types, NaN and Infinity, empty
/// bodies, bytes that are not UTF-8, strings that are not Unicode, deep nesting, wrong content types, bodies past
/// the limit, bad and reused task ids. Each answer is a 4xx problem document whose detail says what to change,
/// never a 500, and a refused request leaves nothing recorded or sent.
/// </summary>
public sealed class HostileInputTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private const string Json = "application/json";

    private async Task<(HttpStatusCode Status, JsonNode? Body, string? MediaType)> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Content.Headers.ContentType?.MediaType);
    }

    private static ByteArrayContent Body(byte[] bytes, string? contentType = Json)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return content;
    }

    private static ByteArrayContent Body(string text, string? contentType = Json) => Body(Encoding.UTF8.GetBytes(text), contentType);

    /// <summary>A JSON body sent chunked, with no Content-Length.</summary>
    private static ChunkedContent Chunked(string text)
    {
        var content = new ChunkedContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Json);
        return content;
    }

    /// <summary>Asserts a 4xx problem document with a detail sentence, and returns the detail.</summary>
    private static string AssertProblem((HttpStatusCode Status, JsonNode? Body, string? MediaType) answer, HttpStatusCode expected, string what)
    {
        Assert.True(answer.Status == expected, $"{what}: answered {(int)answer.Status} {answer.Body?.ToJsonString()}, expected {(int)expected}");
        Assert.Equal("application/problem+json", answer.MediaType);
        var detail = answer.Body?["detail"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(detail), $"{what}: no detail in {answer.Body?.ToJsonString()}");
        return detail!;
    }

    private async Task<long> ScheduledAsync()
    {
        var queues = JsonNode.Parse(await host.Http.GetStringAsync("/api/queues"))!.AsArray();
        return queues.Sum(q => q!["scheduled"]!.GetValue<long>() + q["waiting"]!.GetValue<long>());
    }

    private async Task<string> WaitForStateAsync(string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var body = JsonNode.Parse(await host.Http.GetStringAsync($"/api/tasks/{id}"))!;
            if (body["state"]!.GetValue<string>() == state) return body.ToJsonString();
            Assert.True(DateTime.UtcNow < deadline, $"task {id} is {body["state"]}, not {state}, after 15 s");
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData("""{"name": "diagnostics.echo", "countdown": 1e20}""", "'countdown' must be a number of seconds from now, at most 315360000 (ten years); got 1e20.")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": 1e300}""", "got 1e300")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": 1e400}""", "got 1e400")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": -1e400}""", "'countdown'")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": "NaN"}""", "'countdown' must be a number of seconds from now.")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": "Infinity"}""", "'countdown'")]
    [InlineData("""{"name": "diagnostics.echo", "expires": 1e20}""", "'expires' must be a number of seconds from now, or a time, at most 315360000 (ten years); got 1e20.")]
    [InlineData("""{"name": "diagnostics.echo", "expires": 1e300}""", "got 1e300")]
    [InlineData("""{"name": "diagnostics.echo", "expires": -5}""", "'expires' must be more than zero seconds from now.")]
    [InlineData("""{"name": "diagnostics.echo", "expires": "-Infinity"}""", "'expires' must be an ISO 8601 date and time")]
    [InlineData("""{"name": "diagnostics.echo", "eta": "9999-12-31T23:59:59Z"}""", "'eta' must be at most ten years from now")]
    [InlineData("""{"name": "diagnostics.echo", "eta": 12}""", "'eta' must be a non-empty string.")]
    [InlineData("""{"name": "diagnostics.echo", "priority": 1e20}""", "'priority' must be a whole number.")]
    [InlineData("""{"name": "diagnostics.echo", "priority": "high"}""", "'priority' must be a whole number.")]
    [InlineData("""{"name": "diagnostics.echo", "kwargs": []}""", "'kwargs' must be a JSON object")]
    [InlineData("""{"name": "diagnostics.echo", "args": {}}""", "'args' must be a JSON list")]
    [InlineData("""{"name": "diagnostics.echo", "queue": 7}""", "'queue' must be a non-empty string.")]
    [InlineData("""{"name": 5}""", "'name' must be a non-empty string.")]
    [InlineData("""{"name": "diagnostics.echo\u0000"}""", "without control characters")]
    [InlineData("""{"kwargs": {}}""", "'name' (the task name) is required.")]
    [InlineData("""[]""", "must be a JSON object")]
    [InlineData("""null""", "must be a JSON object")]
    [InlineData("""{oops""", "not valid JSON")]
    [InlineData("""{"name": "diagnostics.echo", "countdown": NaN}""", "not valid JSON")]
    public async Task Enqueue_Answers400_NamingTheField_ForMalformedValues(string json, string expected)
    {
        var detail = AssertProblem(await SendAsync(HttpMethod.Post, "/api/tasks", Body(json)), HttpStatusCode.BadRequest, json);
        Assert.Contains(expected, detail);
    }

    [Theory]
    [InlineData("../../x\u0000", "'/'")]
    [InlineData("a/b", "'/'")]
    [InlineData("line\nbreak", "U+000A")]
    [InlineData("has space", "U+0020")]
    [InlineData("café", "'é'")]
    [InlineData(null, null)]
    public async Task Enqueue_RefusesABadTaskId_BeforeRecordingOrSendingAnything(string? id, string? named)
    {
        var taskId = id ?? new string('x', 65); // null: one character too many
        var before = await ScheduledAsync();
        var body = new JsonObject { ["name"] = "diagnostics.echo", ["task_id"] = taskId, ["countdown"] = 3600 };
        var detail = AssertProblem(await SendAsync(HttpMethod.Post, "/api/tasks", Body(body.ToJsonString())), HttpStatusCode.BadRequest, taskId);
        Assert.StartsWith("'task_id' ", detail);
        Assert.Contains(named ?? "at most 64 characters (it is 65)", detail);
        Assert.EndsWith("leave it out to get a new UUID.", detail);

        Assert.Null(await host.Services.GetRequiredService<IResultStore>().GetAsync(taskId, CancellationToken.None));
        Assert.Equal(before, await ScheduledAsync());
    }

    [Fact]
    public async Task Enqueue_ReturnsAnEscapedLocation_ForAnIdWithDotsAndColons()
    {
        var id = $"fir:2026.{Guid.NewGuid():N}";
        using var response = await host.Http.PostAsync("/api/tasks", Body(new JsonObject { ["name"] = "diagnostics.echo", ["task_id"] = id }.ToJsonString()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/tasks/{Uri.EscapeDataString(id)}", response.Headers.Location!.OriginalString);
        await WaitForStateAsync(Uri.EscapeDataString(id), "SUCCESS");
    }

    [Fact]
    public async Task Enqueue_Answers409_ForTheIdOfAFinishedTask_OrAQueuedOne_AndTheFirstResultStays()
    {
        var id = "reuse-" + Guid.NewGuid().ToString("N");
        var first = new JsonObject { ["name"] = "diagnostics.echo", ["task_id"] = id, ["kwargs"] = new JsonObject { ["run"] = 1 } };
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, "/api/tasks", Body(first.ToJsonString()))).Status);
        await WaitForStateAsync(id, "SUCCESS");

        var again = new JsonObject { ["name"] = "diagnostics.echo", ["task_id"] = id, ["kwargs"] = new JsonObject { ["run"] = 2 } };
        var detail = AssertProblem(await SendAsync(HttpMethod.Post, "/api/tasks", Body(again.ToJsonString())), HttpStatusCode.Conflict, "reused id");
        Assert.Equal($"Task id '{id}' is already used by a task that is SUCCESS, and a finished task does not run again under its id. "
            + "To run the task again, leave task_id out (a new id is chosen) or choose an id not used before.", detail);
        // Flower's send-task takes task_id too, and refuses it alike.
        AssertProblem(await SendAsync(HttpMethod.Post, "/api/task/send-task/diagnostics.echo", Body($$"""{"task_id": "{{id}}"}""")), HttpStatusCode.Conflict, "reused id (Flower)");
        var stored = JsonNode.Parse(await WaitForStateAsync(id, "SUCCESS"))!;
        Assert.Equal(1, stored["result"]!["kwargs"]!["run"]!.GetValue<int>());

        var queued = "queued-" + Guid.NewGuid().ToString("N");
        var later = new JsonObject { ["name"] = "diagnostics.echo", ["task_id"] = queued, ["countdown"] = 3600 };
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, "/api/tasks", Body(later.ToJsonString()))).Status);
        var before = await ScheduledAsync();
        detail = AssertProblem(await SendAsync(HttpMethod.Post, "/api/tasks", Body(later.ToJsonString())), HttpStatusCode.Conflict, "queued id");
        Assert.Contains("is already used by a task that is PENDING and will run once", detail);
        Assert.Equal(before, await ScheduledAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyPastTheLimit_Answers413WithAProblem_NotAReset(bool withLength)
    {
        // 40 MB: past the API's limit (four times the fixture's 16 KiB messages) and past Kestrel's default 30 MB.
        const int size = 40_000_000;
        var bytes = new byte[size];
        Encoding.ASCII.GetBytes("""{"name": "diagnostics.echo", "kwargs": {"x": """).CopyTo(bytes, 0);
        bytes.AsSpan(50, size - 60).Fill((byte)' ');
        Encoding.ASCII.GetBytes("1}}").CopyTo(bytes, size - 3);
        HttpContent content = withLength ? Body(bytes) : new ChunkedContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Json);

        var detail = AssertProblem(await SendAsync(HttpMethod.Post, "/api/tasks", content), HttpStatusCode.RequestEntityTooLarge, "40 MB body");
        Assert.Contains("the limit is 65536 bytes (four times TaskProcessor:Messages:MaxMessageBytes)", detail);
        if (withLength)
        {
            Assert.StartsWith("The request body is 40000000 bytes;", detail);
        }
        // The host is still serving.
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/queues")).StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyIsRead_WithOrWithoutADeclaredLength_EscapesAndAll(bool withLength)
    {
        // An escaped character in a name and a value (a surrogate pair spelling one character is whole Unicode),
        // and enough text to take more than one read, well under the fixture's 16 KiB messages.
        var json = """{"name": "diagnostics.echo", "kwargs": {"caf\u00e9": "\ud83d\ude00", "pad": "PAD"}}""".Replace("PAD", new string('x', 8_000));
        HttpContent content = withLength ? Body(json) : Chunked(json);

        var answer = await SendAsync(HttpMethod.Post, "/api/tasks", content);

        Assert.True(answer.Status == HttpStatusCode.Accepted, $"answered {(int)answer.Status} {answer.Body?.ToJsonString()}");
        var done = JsonNode.Parse(await WaitForStateAsync(answer.Body!["id"]!.GetValue<string>(), "SUCCESS"))!;
        Assert.Equal("\U0001F600", done["result"]!["kwargs"]!["café"]!.GetValue<string>());
    }

    /// <summary>Every state-changing route, with a body that route would take.</summary>
    public static TheoryData<string> PostRoutes() =>
    [
        "/api/tasks", "/api/task/async-apply/diagnostics.echo", "/api/task/apply/diagnostics.echo", "/api/task/send-task/diagnostics.echo",
        "/api/tasks/some-id/revoke", "/api/task/revoke/some-id", "/api/dead-letters/replay", "/api/dead-letters/purge",
    ];

    [Theory]
    [MemberData(nameof(PostRoutes))]
    public async Task EveryPostRoute_RefusesBodiesThatAreNotJson_OrNotUnicode_OrTooDeep(string path)
    {
        var cases = new (string What, HttpContent Content, HttpStatusCode Status, string Detail)[]
        {
            ("text/plain", Body("""{"name": "diagnostics.echo"}""", "text/plain"), HttpStatusCode.UnsupportedMediaType, "Send the body as JSON with the header Content-Type: application/json (this request said 'text/plain')."),
            ("a form", Body("terminate=true", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "(this request said 'application/x-www-form-urlencoded')"),
            ("no content type", Body("{}", null), HttpStatusCode.UnsupportedMediaType, "(this request gave no Content-Type)."),
            ("latin-1 JSON", Body("{}", "application/json; charset=iso-8859-1"), HttpStatusCode.UnsupportedMediaType, "Content-Type: application/json"),
            ("bytes that are not UTF-8", Body([.. "{\"x\": \""u8, 0xFF, 0xFE, .. "\"}"u8]), HttpStatusCode.BadRequest, "The request body is not valid UTF-8: send JSON text encoded as UTF-8."),
            ("an unpaired surrogate", Body("""{"x": "\ud800"}"""), HttpStatusCode.BadRequest, "an unpaired surrogate escape"),
            ("an unpaired surrogate in a name", Body("""{"\udc00": 1}"""), HttpStatusCode.BadRequest, "an unpaired surrogate escape"),
            ("an unpaired surrogate, chunked", Chunked("""{"x": ["\ud800"]}"""), HttpStatusCode.BadRequest, "an unpaired surrogate escape"),
            ("nesting 1000 deep", Body(new string('[', 1000) + new string(']', 1000)), HttpStatusCode.BadRequest, "nested at most 64 levels deep"),
            ("not JSON", Body("{\"x\": 1"), HttpStatusCode.BadRequest, "The request body is not valid JSON"),
            ("a JSON string", Body("\"text\""), HttpStatusCode.BadRequest, "object"),
            ("a JSON list", Body("[1, 2]"), HttpStatusCode.BadRequest, "object"),
            ("a JSON number", Body("1e400"), HttpStatusCode.BadRequest, "object"),
        };
        foreach (var (what, content, status, expected) in cases)
        {
            var detail = AssertProblem(await SendAsync(HttpMethod.Post, path, content), status, $"{path} with {what}");
            Assert.Contains(expected, detail);
        }
    }

    [Theory]
    [InlineData("/api/tasks/some-id/revoke", """{"terminate": "yes"}""", "terminate must be true or false")]
    [InlineData("/api/task/revoke/some-id", """{"terminate": 1}""", "terminate must be true or false")]
    [InlineData("/api/tasks/some-id/revoke?terminate=maybe", "", "The query parameter terminate must be true or false; got 'maybe'.")]
    [InlineData("/api/dead-letters/replay", """{"queue": 5}""", "\"messageIds\" as a list of strings")]
    [InlineData("/api/dead-letters/replay", """{"messageIds": "one"}""", "\"messageIds\" as a list of strings")]
    [InlineData("/api/dead-letters/replay", """{"messageIds": [1, null]}""", "\"messageIds\" as a list of strings")]
    [InlineData("/api/dead-letters/replay", """{"queue": "nowhere"}""", "There is no queue named 'nowhere'")]
    [InlineData("/api/dead-letters/purge", "", "send \"all\": true to mean it")]
    [InlineData("/api/dead-letters/purge", """{"all": "yes"}""", "send \"all\": true to mean it")]
    [InlineData("/api/tasks", "", "must be a JSON object")]
    [InlineData("/api/task/async-apply/diagnostics.echo", """{"countdown": 1e300}""", "'countdown' must be a number of seconds")]
    [InlineData("/api/task/send-task/afirgen_tasks.x%01y", "{}", "'name' must be a task name of at most 200 characters without control characters")]
    [InlineData("/api/task/apply/diagnostics.echo", """{"task_id": "../x"}""", "'task_id' may hold only letters")]
    public async Task PostRoutes_Answer400_NamingWhatToChange_ForWrongFieldTypes(string path, string json, string expected)
    {
        var answer = await SendAsync(HttpMethod.Post, path, json.Length == 0 ? null : Body(json));
        Assert.Contains(expected, AssertProblem(answer, HttpStatusCode.BadRequest, $"{path} {json}"));
    }

    [Theory]
    [InlineData("/api/monitor/throughput?minutes=1e99", "minutes must be a whole number from 1 to 60")]
    [InlineData("/api/monitor/throughput?minutes=NaN", "got 'NaN'")]
    [InlineData("/api/monitor/throughput?minutes=0", "minutes must be a whole number from 1 to 60")]
    [InlineData("/api/monitor/throughput?minutes=-5", "minutes must be a whole number from 1 to 60")]
    [InlineData("/api/task/result/some-id?timeout=NaN", "timeout must be a number of seconds to wait")]
    [InlineData("/api/task/result/some-id?timeout=Infinity", "timeout must be a number of seconds to wait")]
    [InlineData("/api/task/result/some-id?timeout=1e400", "timeout must be a number of seconds to wait")]
    [InlineData("/api/task/result/some-id?timeout=-1", "timeout must be a number of seconds to wait")]
    [InlineData("/api/tasks?limit=1e20", "limit and offset must be whole numbers.")]
    [InlineData("/api/tasks?offset=NaN", "limit and offset must be whole numbers.")]
    [InlineData("/api/tasks?received_start=yesterday", "is not a time")]
    [InlineData("/api/tasks?state=%00", "is not a Celery task state")]
    [InlineData("/api/tasks?search=((", "")]
    [InlineData("/api/dead-letters?limit=lots", "limit must be a whole number from 1 to 10000")]
    [InlineData("/api/dead-letters?limit=0", "limit must be a whole number from 1 to 10000")]
    [InlineData("/api/dead-letters?queue=%00", "There is no queue named")]
    public async Task GetRoutes_Answer400_ForHostileQueryValues(string path, string expected)
    {
        Assert.Contains(expected, AssertProblem(await SendAsync(HttpMethod.Get, path), HttpStatusCode.BadRequest, path));
    }

    [Theory]
    [InlineData("/api/tasks/%01")]
    [InlineData("/api/task/info/..%2F..%2Fx")]
    [InlineData("/api/inspect/%01")]
    [InlineData("/api/workers?workername=%01")]
    public async Task GetRoutes_Answer404Problems_ForHostileIds(string path)
    {
        AssertProblem(await SendAsync(HttpMethod.Get, path), HttpStatusCode.NotFound, path);
        AssertProblem(await SendAsync(HttpMethod.Get, path.Replace("%01", new string('x', 4000))), HttpStatusCode.NotFound, path + " (4000 characters)");
    }

    /// <summary>A body sent without a length (Transfer-Encoding: chunked).</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
