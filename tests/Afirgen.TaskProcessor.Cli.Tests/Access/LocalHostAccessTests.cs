using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Tests.Access;

/// <summary>
/// The local host as a careless user and a hostile web page meet it: a cross-site POST (the mail-relay attack),
/// a page that rebinds its DNS name to 127.0.0.1, requests without the API key, an allowed origin's pages.
/// </summary>
public sealed class LocalHostAccessTests(AccessFixture hosts) : IClassFixture<AccessFixture>
{
    private const string Notification = "afirgen_tasks.email.send_notification";

    private static HttpRequestMessage Post(string path, string body, string contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.Add(name, value);
        }
        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
        }
    }

    private static string Detail(JsonNode? body) => body?["detail"]?.GetValue<string>() ?? "(no detail)";

    private static string Mail(string recipient) => new JsonObject
    {
        ["name"] = Notification,
        ["kwargs"] = new JsonObject { ["recipient_email"] = recipient, ["subject"] = "Your FIR", ["body"] = "Click here." },
    }.ToJsonString();

    [Fact]
    public async Task ACrossSitePost_IsRefused403_AndNothingIsEnqueuedOrMailed()
    {
        var open = hosts.Open;
        const string victim = "victim@attacker.example";
        var hostile = new (string, string)[] { ("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "no-cors") };

        // What a page at evil.example can send without asking: a text/plain form-like POST, with its Origin.
        var (status, body, _) = await SendAsync(open.Http, Post("/api/tasks", Mail(victim), "text/plain", hostile));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.StartsWith("Cross-site requests are refused: this POST came from a page at https://evil.example, not from this host's own pages (" + open.BaseUrl + ").", Detail(body));
        // The same with the attacker's own Host (the request as first found), as JSON, and to the other state-changing routes.
        var requests = new[]
        {
            Post("/api/tasks", Mail(victim), "text/plain", [.. hostile, ("Host", "evil.example")]),
            Post("/api/tasks", Mail(victim), "application/json", hostile),
            Post("/api/task/send-task/" + Notification, """{"kwargs": {"recipient_email": "victim@attacker.example", "subject": "s", "body": "b"}}""", "text/plain", hostile),
            Post("/api/task/async-apply/" + Notification, "{}", "application/json", [("Origin", "null")]),
            Post("/api/dead-letters/purge", """{"all": true}""", "application/json", hostile),
            Post("/api/schedules/cleanup/run", "", "text/plain", hostile),
            Post("/api/tasks/some-id/revoke?terminate=true", "", "text/plain", [("Sec-Fetch-Site", "cross-site")]),
            Post("/api/task/revoke/some-id", "", "text/plain", [("Origin", "http://localhost:8080")]),
        };
        foreach (var request in requests)
        {
            var what = $"{request.RequestUri} with {string.Join(", ", request.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"))}";
            (status, body, _) = await SendAsync(open.Http, request);
            Assert.True(status == HttpStatusCode.Forbidden, $"{what}: {(int)status} {body?.ToJsonString()}");
            Assert.StartsWith("Cross-site requests are refused: ", Detail(body));
        }

        // The control: the same mail sent as a script sends it (no Origin) goes out through the real SMTP server.
        const string colleague = "colleague@afirgen.example";
        var sent = await open.EnqueueAsync(JsonNode.Parse(Mail(colleague))!);
        await open.WaitForStateAsync(sent, "SUCCESS");
        Assert.Single(hosts.Smtp.MessagesTo(colleague));
        Assert.Empty(hosts.Smtp.MessagesTo(victim));
        // Nothing of the attacker's was enqueued: the task index knows one notification, the control's.
        var listed = await Monitoring.Eventually.ValueAsync(async () =>
        {
            var tasks = (await open.GetJsonAsync($"/api/tasks?taskname={Notification}")).AsObject();
            return tasks.Any(t => t.Key == sent) ? tasks : null;
        }, "the control in the task index");
        Assert.Equal(new[] { sent }, listed.Select(t => t.Key));
    }

    [Fact]
    public async Task ARequestAddressedToAnotherName_IsRefused421_SoDnsRebindingReadsNothing()
    {
        var open = hosts.Open;
        var port = new Uri(open.BaseUrl).Port;
        // A page at http://evil.example:<port> whose name now resolves to 127.0.0.1 is same-origin with itself.
        foreach (var path in new[] { "/api/queues", "/api/task/info/x", "/", "/metrics" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"evil.example:{port}";
            var (status, body, _) = await SendAsync(open.Http, request);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, status);
            Assert.Equal("This host answers requests addressed to 127.0.0.1, [::1], localhost, not to 'evil.example' (which keeps out web pages that rebind their DNS name to this machine). "
                + "To reach it under that name, add it to TaskProcessor:LocalHost:AllowedHosts (names separated by ;).", Detail(body));
        }
        var (postStatus, _, _) = await SendAsync(open.Http, Post("/api/tasks", Mail("victim@attacker.example"), "application/json",
            ("Host", $"evil.example:{port}"), ("Origin", $"http://evil.example:{port}"), ("Sec-Fetch-Site", "same-origin")));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, postStatus);

        // The loopback names are this host's whatever address the connection used; a configured name is too.
        foreach (var name in new[] { "localhost", "127.0.0.1", "[::1]", "LOCALHOST" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/queues");
            request.Headers.Host = $"{name}:{port}";
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(open.Http, request)).Status);
        }
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/api/queues");
        allowed.Headers.Host = AccessFixture.AllowedHost;
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(hosts.Keyed.Http, allowed)).Status);
    }

    [Fact]
    public async Task WithAKey_ApiAndMetricsAsk401WithoutIt_AndWorkWithIt_WhileTheDashboardFilesDoNot()
    {
        var keyed = hosts.Keyed;
        using var anonymous = new HttpClient { BaseAddress = new Uri(keyed.BaseUrl) };
        foreach (var path in new[] { "/api/queues", "/metrics", "/api/inspect/stats", "//api/queues", "/API/queues", "/nowhere" })
        {
            var (status, body, _) = await SendAsync(anonymous, new HttpRequestMessage(HttpMethod.Get, new Uri(keyed.BaseUrl + path)));
            Assert.True(status == HttpStatusCode.Unauthorized, $"GET {path} without a key: {(int)status}");
            Assert.StartsWith("This host asks for an API key: send it in the x-functions-key header or as ?code=<key>", Detail(body));
        }
        var (postStatus, _, _) = await SendAsync(anonymous, Post("/api/tasks", """{"name": "diagnostics.echo"}""", "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, postStatus);

        var (wrong, wrongBody, _) = await SendAsync(anonymous, Post("/api/tasks", """{"name": "diagnostics.echo"}""", "application/json", ("x-functions-key", AccessFixture.Key + "x")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal("The API key sent is not this host's: send the value of TaskProcessor:LocalHost:ApiKey in the x-functions-key header or as ?code=<key>.", Detail(wrongBody));
        Assert.DoesNotContain(AccessFixture.Key, wrongBody!.ToJsonString());

        // With it, in the header or as ?code= (as the dashboard's and the CLI's links carry it).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/queues?code=" + Uri.EscapeDataString(AccessFixture.Key))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyed.Http.GetAsync("/metrics")).StatusCode);
        var id = await keyed.EnqueueAsync(new { name = "diagnostics.echo", kwargs = new { via = "key" } });
        await keyed.WaitForStateAsync(id, "SUCCESS");

        // The page and its files hold no data and need no key (a key in their URLs would only leak it).
        foreach (var path in new[] { "/", "/dashboard/app.js", "/dashboard/app.css" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task AnAllowedOrigin_GetsCors_AndMayPostWithTheKey_WhileOtherOriginsMayNot()
    {
        var keyed = hosts.Keyed;
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/tasks");
        preflight.Headers.Add("Origin", AccessFixture.AllowedOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-functions-key");
        using var anonymous = new HttpClient { BaseAddress = new Uri(keyed.BaseUrl) };
        var (status, _, response) = await SendAsync(anonymous, preflight);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(AccessFixture.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        (status, _, response) = await SendAsync(keyed.Http, Post("/api/tasks", """{"name": "diagnostics.echo"}""", "application/json", ("Origin", AccessFixture.AllowedOrigin)));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(AccessFixture.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        (status, _, response) = await SendAsync(keyed.Http, Post("/api/tasks", """{"name": "diagnostics.echo"}""", "application/json", ("Origin", "http://other.example")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
