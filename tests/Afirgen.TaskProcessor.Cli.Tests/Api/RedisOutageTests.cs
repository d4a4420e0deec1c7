using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary>The API while Redis is down: a clear 503, and nothing enqueued that could not be tracked.</summary>
public sealed class RedisOutageTests
{
    /// <summary>The local host with results in <paramref name="redis"/> and the given broker, started on a free port.</summary>
    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync(RedisServer redis, string broker)
    {
        var app = LocalHostApp.Build(new Dictionary<string, string?>
        {
            ["TaskProcessor:LocalHost:Urls"] = $"http://127.0.0.1:{RedisServer.FreePort()}",
            ["TaskProcessor:LocalHost:Broker"] = broker,
            ["TaskProcessor:Redis:Configuration"] = redis.Configuration,
            ["Logging:LogLevel:Default"] = "None",
        });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Post_Answers503_AndEnqueuesNothing_WhileTheResultsRedisIsDown()
    {
        // The broker elsewhere (in memory here), so that what it holds can be read while the results' Redis is down.
        await using var redis = await RedisServer.StartAsync();
        await using var app = await StartAsync(redis, broker: "memory");
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        await redis.StopAsync();

        using var response = await http.PostAsJsonAsync("/api/tasks", new { name = "diagnostics.echo" });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var queues = JsonNode.Parse(await http.GetStringAsync("/api/queues"))!.AsArray();
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("The task was not enqueued; try again when Redis is back.", body["detail"]!.GetValue<string>());
        // What the user can act on, not the client library's connection state (that goes with the exception).
        Assert.True(body["detail"]!.GetValue<string>().Length < 300, body["detail"]!.GetValue<string>());
        Assert.All(queues, q => Assert.Equal(0, q!["waiting"]!.GetValue<long>() + q["inFlight"]!.GetValue<long>() + q["scheduled"]!.GetValue<long>()));
    }

    [Fact]
    public async Task EveryRoute_Answers503_NotA500_WhileTheDefaultBrokersRedisIsDown()
    {
        // The default: queues and results on one Redis. While it is down, enqueueing and reading the queues say so.
        await using var redis = await RedisServer.StartAsync();
        await using var app = await StartAsync(redis, broker: "redis");
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        await redis.StopAsync();

        using var post = await http.PostAsJsonAsync("/api/tasks", new { name = "diagnostics.echo" });
        using var queues = await http.GetAsync("/api/queues");
        using var lengths = await http.GetAsync("/api/queues/length");
        using var deadLetters = await http.GetAsync("/api/dead-letters");
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, post.StatusCode);
        foreach (var response in new[] { queues, lengths, deadLetters })
        {
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode}");
            var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
            Assert.Contains("could not be reached", detail);
            // What the user can act on, not the client library's connection state.
            Assert.True(detail.Length < 300, detail);
        }
    }
}
