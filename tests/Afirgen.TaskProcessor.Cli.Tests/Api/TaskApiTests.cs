using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary>The HTTP API's answers, against the running local host.</summary>
public sealed class TaskApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(object body)
    {
        using var response = await host.Http.PostAsJsonAsync("/api/tasks", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<JsonNode> WaitForStateAsync(string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var body = JsonNode.Parse(await host.Http.GetStringAsync($"/api/tasks/{id}"))!;
            if (body["state"]!.GetValue<string>() == state) return body;
            Assert.True(DateTime.UtcNow < deadline, $"task {id} is {body["state"]}, not {state}, after 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Answers_ShowApostrophesPlusAndHindiAsThemselves_NotAsJsonEscapes()
    {
        // A problem document as people read it: 'FIR-NOPE', not \u0027FIR-NOPE\u0027.
        using var missing = await host.Http.GetAsync("/api/tasks/FIR-NOPE");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var problem = await missing.Content.ReadAsStringAsync();
        Assert.Contains("'FIR-NOPE'", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", problem, StringComparison.Ordinal);

        // A result and Flower's result string (its Python-ish repr of the value) likewise, and both still valid JSON.
        const string text = "O'Brien + शिकायत";
        var (_, body) = await PostAsync(new { name = "diagnostics.echo", kwargs = new { note = text } });
        var id = body!["id"]!.GetValue<string>();
        await WaitForStateAsync(id, "SUCCESS");
        var result = await host.Http.GetStringAsync($"/api/tasks/{id}");
        Assert.Contains(text, result, StringComparison.Ordinal);
        Assert.Equal(text, JsonNode.Parse(result)!["result"]!["kwargs"]!["note"]!.GetValue<string>());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string info;
        while (!(info = await host.Http.GetStringAsync($"/api/task/info/{id}")).Contains("\"SUCCESS\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the task's SUCCESS in the index after 10 s");
            await Task.Delay(20);
        }
        Assert.DoesNotContain("\\u", info, StringComparison.Ordinal);
        Assert.Contains(text, JsonNode.Parse(info)!["result"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_Answers202_WithIdQueueAndPriority_AndTheTaskRuns()
    {
        var (status, body) = await PostAsync(new { name = "diagnostics.echo", kwargs = new { fir_id = "FIR-1" }, queue = "email" });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("email", body!["queue"]!.GetValue<string>());
        Assert.Equal(3, body["priority"]!.GetValue<int>()); // the e-mail queue's default
        Assert.Equal("PENDING", body["state"]!.GetValue<string>());

        var done = await WaitForStateAsync(body["id"]!.GetValue<string>(), "SUCCESS");
        Assert.Equal("FIR-1", done["result"]!["kwargs"]!["fir_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_RoutesByTaskName_AndKeepsAnExplicitPriority()
    {
        // Routed by the seed's patterns even though the name is only registered as a diagnostic elsewhere.
        var (status, body) = await PostAsync(new { name = "diagnostics.noop", priority = 10 });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("default", body!["queue"]!.GetValue<string>());
        Assert.Equal(10, body["priority"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(-3)]
    public async Task Post_Answers400_ForAPriorityOutsideOneToTen(int priority)
    {
        var (status, body) = await PostAsync(new { name = "diagnostics.echo", priority });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"Priority {priority} is out of range: use 1 (lowest) to 10 (highest), or leave it out to use the queue's default.", body!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_Answers400_ForAnUnknownTask_NamingTheRegisteredOnes()
    {
        var (status, body) = await PostAsync(new { name = "afirgen_tasks.email.nope" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("No task named 'afirgen_tasks.email.nope' is registered", body!["detail"]!.GetValue<string>());
        Assert.Contains("diagnostics.echo", body["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_Answers400_ForMalformedFields()
    {
        var (status, body) = await PostAsync(new { name = "diagnostics.echo", args = "not a list" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("'args' must be a JSON list of positional arguments.", body!["detail"]!.GetValue<string>());

        (status, body) = await PostAsync(new { name = "diagnostics.echo", queue = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("There is no queue named 'nowhere'", body!["detail"]!.GetValue<string>());

        using var notJson = await host.Http.PostAsync("/api/tasks", new StringContent("{oops", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task Post_Answers413_WhenTheMessageWouldBeTooLarge()
    {
        var (status, body) = await PostAsync(new { name = "diagnostics.echo", kwargs = new { blob = new string('x', 20_000) } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("the limit is 16384 bytes", body!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_Answers404_ForAnIdNeverSeen()
    {
        using var response = await host.Http.GetAsync($"/api/tasks/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("never enqueued through this processor", body["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_WithCountdown_IsScheduledNotRunYet()
    {
        var (status, body) = await PostAsync(new { name = "diagnostics.echo", countdown = 3600 });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var queues = JsonNode.Parse(await host.Http.GetStringAsync("/api/queues"))!.AsArray();
        var defaultQueue = queues.Single(q => q!["name"]!.GetValue<string>() == "default")!;
        Assert.True(defaultQueue["scheduled"]!.GetValue<long>() >= 1);
        Assert.Equal("PENDING", JsonNode.Parse(await host.Http.GetStringAsync($"/api/tasks/{body!["id"]}"))!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Queues_ListsEveryQueueWithItsDefaultPriority()
    {
        var queues = JsonNode.Parse(await host.Http.GetStringAsync("/api/queues"))!.AsArray();
        var priorities = queues.ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["defaultPriority"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["default"] = 5, ["email"] = 3, ["reports"] = 5, ["analytics"] = 2, ["cleanup"] = 1 }, priorities);
        Assert.All(queues, q => Assert.NotNull(q!["deadLettered"]));
    }

    [Fact]
    public async Task FailingTask_LandsInTheDeadLetterCount()
    {
        var before = await DeadLetteredAsync();
        var (_, body) = await PostAsync(new { name = "diagnostics.fail" });
        await WaitForStateAsync(body!["id"]!.GetValue<string>(), "FAILURE");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await DeadLetteredAsync() == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the failed message was not dead-lettered");
            await Task.Delay(20);
        }
    }

    private async Task<long> DeadLetteredAsync()
    {
        var queues = JsonNode.Parse(await host.Http.GetStringAsync("/api/queues"))!.AsArray();
        return queues.Single(q => q!["name"]!.GetValue<string>() == "default")!["deadLettered"]!.GetValue<long>();
    }
}
