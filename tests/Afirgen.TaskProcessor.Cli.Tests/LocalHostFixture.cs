using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Builder;

namespace Afirgen.TaskProcessor.Cli.Tests;

/// <summary>The local host, in-process, on a free loopback port, with results in a real redis-server.</summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public RedisServer Redis { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>The host's services, to look behind the API (what was stored, what the broker holds).</summary>
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        BaseUrl = $"http://127.0.0.1:{RedisServer.FreePort()}";
        _app = LocalHostApp.Build(new Dictionary<string, string?>
        {
            ["TaskProcessor:LocalHost:Urls"] = BaseUrl,
            ["TaskProcessor:Redis:Configuration"] = Redis.Configuration,
            ["TaskProcessor:Messages:MaxMessageBytes"] = "16384",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Redis.DisposeAsync();
    }
}
