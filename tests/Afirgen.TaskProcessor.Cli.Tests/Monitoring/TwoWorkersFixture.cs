using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// Two local host instances (worker-a, worker-b), each with its own API and embedded broker, sharing one
/// real redis-server for results and monitoring: what two Functions instances look like to monitoring.
/// </summary>
public sealed class TwoWorkersFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _apps = [];

    public RedisServer Redis { get; private set; } = null!;
    public Worker A { get; private set; } = null!;
    public Worker B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        A = await StartAsync("worker-a@test");
        B = await StartAsync("worker-b@test");
    }

    /// <summary>
    /// Settings that make heartbeats quick enough for tests. Each instance has a broker of its own (in memory), so a
    /// task enqueued through one runs on that one, as the tests of what each instance reports need.
    /// </summary>
    public static Dictionary<string, string?> Settings(string name, string url, string redis) => new()
    {
        ["TaskProcessor:LocalHost:Urls"] = url,
        ["TaskProcessor:LocalHost:Broker"] = "memory",
        ["TaskProcessor:Redis:Configuration"] = redis,
        ["TaskProcessor:Worker:Name"] = name,
        ["TaskProcessor:Monitoring:HeartbeatInterval"] = "00:00:00.500",
        ["TaskProcessor:Monitoring:HeartbeatExpiry"] = "00:00:03",
        ["TaskProcessor:Monitoring:FlushInterval"] = "00:00:00.100",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>A task registered on both instances for these tests: enqueues <c>count</c> echo children.</summary>
    public const string SpawnChildren = "tests.spawn_children";

    private async Task<Worker> StartAsync(string name)
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var requests = new ApiRequestLog();
        var app = LocalHostApp.Build(Settings(name, url, Redis.Configuration), builder =>
        {
            builder.Services.AddSingleton<IStartupFilter>(requests);
            builder.Services.AddTask(SpawnChildren, async context =>
            {
                var children = new JsonArray();
                for (var i = 0; i < context.Get<int>("count"); i++)
                {
                    children.Add(await context.EnqueueAsync(DiagnosticTasks.Echo, kwargs: new JsonObject { ["child"] = i }));
                }
                return new JsonObject { ["children"] = children };
            }, o => o.Parameters = [TaskParameter.Optional("count", 2)]);
        });
        await app.StartAsync();
        _apps.Add(app);
        return new Worker(name, url, new HttpClient { BaseAddress = new Uri(url) }, app.Services, requests);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        A?.Http.Dispose();
        B?.Http.Dispose();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// One running instance and a client for its API; its services (to publish what the API cannot, such as a
/// chain) and the API requests it received, when the fixture made it.
/// </summary>
public sealed record Worker(string Name, string BaseUrl, HttpClient Http, IServiceProvider? Services = null, ApiRequestLog? Requests = null)
{
    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<(int Status, JsonNode? Body)> PostJsonAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Enqueues through the API; returns the task id.</summary>
    public async Task<string> EnqueueAsync(object body)
    {
        var (status, answer) = await PostJsonAsync("/api/tasks", body);
        Assert.True(status == 202, answer?.ToJsonString());
        return answer!["id"]!.GetValue<string>();
    }

    /// <summary>Waits for task <paramref name="id"/> to reach <paramref name="state"/>; a 404 counts as not yet (a chain's
    /// next link or a child is only enqueued when the task before it finishes).</summary>
    public Task<JsonNode> WaitForStateAsync(string id, string state) =>
        Eventually.ValueAsync(async () =>
        {
            using var response = await Http.GetAsync($"/api/tasks/{id}");
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
            Assert.True(response.IsSuccessStatusCode, $"GET /api/tasks/{id} answered {(int)response.StatusCode}: {text}");
            var task = JsonNode.Parse(text)!;
            return task["state"]!.GetValue<string>() == state ? task : null;
        }, $"task {id} reaching {state}");
}

/// <summary>Waits for a condition on real components, polling; fails with what was awaited.</summary>
public static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, double seconds = 15) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value) return value;
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {seconds} s waiting for {what}.");
            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, double seconds = 15) =>
        ValueAsync(async () => await probe() ? "yes" : null, what, seconds);
}
