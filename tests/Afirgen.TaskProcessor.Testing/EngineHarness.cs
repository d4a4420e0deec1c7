using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker;
using Xunit;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// The engine on the embedded broker with a fake clock and real Redis results, driven one message at a
/// time so each runner branch can be observed.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EngineHarness(ServiceProvider services, FakeTimeProvider time)
    {
        _services = services;
        Time = time;
    }

    public FakeTimeProvider Time { get; }
    public EmbeddedBroker Broker => _services.GetRequiredService<EmbeddedBroker>();
    public TaskRunner Runner => _services.GetRequiredService<TaskRunner>();
    public TaskPublisher Publisher => _services.GetRequiredService<TaskPublisher>();
    public IResultStore Results => _services.GetRequiredService<IResultStore>();
    public IServiceProvider Services => _services;

    /// <param name="redisConfiguration">The redis-server results go to.</param>
    /// <param name="tasks">Registers the tasks under test (the diagnostic tasks are always there).</param>
    /// <param name="settings">Configuration entries on top of the harness's own.</param>
    /// <param name="host">Adds components that register through the host builder (the status mirror, the AFIRGen tasks).</param>
    public static EngineHarness Create(string redisConfiguration, Action<IServiceCollection>? tasks = null, Dictionary<string, string?>? settings = null,
        Action<IHostApplicationBuilder>? host = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var config = new Dictionary<string, string?>
        {
            ["TaskProcessor:Redis:Configuration"] = redisConfiguration,
            ["TaskProcessor:Worker:Concurrency"] = "4",
        };
        foreach (var (k, v) in settings ?? []) config[k] = v;
        builder.Configuration.AddInMemoryCollection(config);

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(new RetryRandom(new Random(1)));
        builder.AddTaskProcessor(p => p.UseInMemoryBroker().UseRedisResults().AddDiagnosticTasks());
        builder.Services.AddAfirgenDefaults();
        tasks?.Invoke(builder.Services);
        host?.Invoke(builder);
        return new EngineHarness(builder.Services.BuildServiceProvider(), time);
    }

    /// <summary>Receives the next message of <paramref name="queue"/>; fails if none is ready.</summary>
    public async Task<ReceivedDelivery> ReceiveAsync(string queue = "default")
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var batch = await Broker.ReceiveAsync(queue, 1, cts.Token);
        Assert.True(batch.Count == 1, $"no message was ready on queue '{queue}'");
        return batch[0];
    }

    /// <summary>Receives the next message of <paramref name="queue"/> and runs it to its settlement.</summary>
    public async Task<ReceivedDelivery> RunNextAsync(string queue = "default", IMessageSettlement? settlementOverride = null)
    {
        var delivery = await ReceiveAsync(queue);
        if (settlementOverride is not null)
        {
            delivery = delivery with { Settlement = settlementOverride };
        }
        await Runner.RunAsync(delivery, CancellationToken.None);
        return delivery;
    }

    public async Task<QueueStatistics> StatsAsync(string queue = "default") =>
        (await Broker.GetStatisticsAsync([queue], CancellationToken.None))[0];

    public async Task<TaskResultMeta?> ResultAsync(string taskId) => await Results.GetAsync(taskId, CancellationToken.None);

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
