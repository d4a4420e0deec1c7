using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Redis;
using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>
/// A host wired with the Functions app's Redis parts (<c>UseEntraIdRedis()</c>, <c>UseRedisResults()</c>); with
/// the test's clock, credential and log collector.
/// </summary>
internal sealed class EntraIdRedisApp : IAsyncDisposable
{
    private EntraIdRedisApp(IHost host, LogEvents logs)
    {
        Host = host;
        Logs = logs;
    }

    public IHost Host { get; }

    private bool _started;

    /// <summary>Starts the host (stopped again on dispose only when this succeeded).</summary>
    public async Task StartAsync()
    {
        await Host.StartAsync();
        _started = true;
    }

    public LogEvents Logs { get; }

    public IServiceProvider Services => Host.Services;

    public IConnectionMultiplexer Multiplexer => Services.GetRequiredService<IConnectionMultiplexer>();

    /// <summary>Builds the host; <paramref name="credential"/> null = the one the settings name.</summary>
    public static EntraIdRedisApp Build(IDictionary<string, string?> settings, TokenCredential? credential, TimeProvider? time = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        var logs = new LogEvents();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFakeLogging(logs.Configure);

        if (credential is null)
        {
            builder.AddEntraIdRedis();
        }
        else
        {
            builder.AddEntraIdRedis(credential);
        }
        builder.AddRedisStores();
        builder.AddTaskEngine();
        builder.Services.AddAfirgenDefaults();

        var host = builder.Build();
        logs.Attach(host.Services.GetRequiredService<FakeLogCollector>());
        return new EntraIdRedisApp(host, logs);
    }

    /// <summary>Builds and starts the host on <paramref name="redis"/> with a fake credential and clock.</summary>
    public static async Task<EntraIdRedisApp> StartAsync(AclRedis redis, FakeEntraIdCredential credential, FakeTimeProvider time)
    {
        var app = Build(new Dictionary<string, string?> { ["TaskProcessor:Redis:Configuration"] = redis.Configuration }, credential, time);
        await app.StartAsync();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await Host.StopAsync();
        }
        Host.Dispose();
    }
}
