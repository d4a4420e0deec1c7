using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary><c>POST /api/tasks/{id}/revoke</c> against the running local host.</summary>
public sealed class RevokeApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private async Task<JsonNode> EnqueueAsync(object body)
    {
        using var response = await host.Http.PostAsJsonAsync("/api/tasks", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> RevokeAsync(string id, string query = "", object? body = null)
    {
        using var response = body is null
            ? await host.Http.PostAsync($"/api/tasks/{id}/revoke{query}", null)
            : await host.Http.PostAsJsonAsync($"/api/tasks/{id}/revoke{query}", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<string> StateAsync(string id) =>
        JsonNode.Parse(await host.Http.GetStringAsync($"/api/tasks/{id}"))!["state"]!.GetValue<string>();

    private async Task WaitForStateAsync(string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await StateAsync(id) != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"task {id} did not reach {state} within 15 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task AScheduledTask_RevokedBeforeItsEta_IsRevokedAndNeverRuns()
    {
        var task = await EnqueueAsync(new { name = "diagnostics.echo", countdown = 2 });
        var id = task["id"]!.GetValue<string>();

        var (status, body) = await RevokeAsync(id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("PENDING", body!["previousState"]!.GetValue<string>());
        Assert.False(body["terminate"]!.GetValue<bool>());
        Assert.Equal("REVOKED", await StateAsync(id));

        // Past its ETA the message comes up and is dropped: the state stays REVOKED, never SUCCESS.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("REVOKED", await StateAsync(id));
        var queues = JsonNode.Parse(await host.Http.GetStringAsync("/api/queues"))!.AsArray();
        var queue = queues.Single(q => q!["name"]!.GetValue<string>() == "default")!;
        Assert.Equal(0, queue["scheduled"]!.GetValue<int>());
    }

    [Fact]
    public async Task Terminate_StopsARunningTask()
    {
        var task = await EnqueueAsync(new { name = "diagnostics.sleep", kwargs = new { seconds = 120 } });
        var id = task["id"]!.GetValue<string>();
        await WaitForStateAsync(id, "STARTED");

        var (status, body) = await RevokeAsync(id, "?terminate=true");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("STARTED", body!["previousState"]!.GetValue<string>());
        Assert.True(body["terminate"]!.GetValue<bool>());
        await WaitForStateAsync(id, "REVOKED");
    }

    [Fact]
    public async Task ABadTerminateValue_Answers400WithASentence()
    {
        var (status, body) = await RevokeAsync("some-id", "?terminate=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The query parameter terminate must be true or false; got 'maybe'.", body!["detail"]!.GetValue<string>());

        (status, body) = await RevokeAsync("some-id", body: new { terminate = "yes" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The field terminate must be true or false.", body!["detail"]!.GetValue<string>());
    }
}
