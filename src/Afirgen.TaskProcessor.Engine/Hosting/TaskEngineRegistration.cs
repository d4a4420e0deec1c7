using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>Registers the engine with a host. Every host calls this once; hosts differ only in their broker.</summary>
public static class TaskEngineRegistration
{
    /// <summary>
    /// Adds the engine: options bound from <c>TaskProcessor:*</c> and checked at start-up, routing, the
    /// priority gate, the runner, the publisher, and the result store (Redis when
    /// <c>TaskProcessor:Redis:Configuration</c> is set, otherwise in memory with a warning). The host adds a
    /// broker (<see cref="IMessageSender"/>, and <see cref="IMessageSource"/> where it pulls messages).
    /// </summary>
    public static IHostApplicationBuilder AddTaskEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddValidatedOptions<TimeLimitOptions, TimeLimitOptionsValidator>(TimeLimitOptions.Section);
        services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(ResultOptions.Section);
        services.AddValidatedOptions<MessageOptions, MessageOptionsValidator>(MessageOptions.Section);
        services.AddValidatedOptions<WorkerOptions, WorkerOptionsValidator>(WorkerOptions.Section);
        services.AddValidatedOptions<BrokerQueueOptions, BrokerQueueOptionsValidator>(BrokerQueueOptions.Section);
        services.AddValidatedOptions<RevocationOptions, RevocationOptionsValidator>(RevocationOptions.Section);
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section)
            // Braces would change the hash slot of Celery's result keys and part them from their revocations on a clustered Redis.
            .Validate(o => o.KeyPrefix.IndexOfAny(['{', '}']) < 0, "The Redis key prefix must not contain braces (TaskProcessor:Redis:KeyPrefix).")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddValidatedOptions<MonitoringOptions, MonitoringOptionsValidator>(MonitoringOptions.Section);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new RetryRandom(new Random()));
        services.TryAddSingleton(sp => new WorkerIdentity(sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<WorkerOptions>>().Value.Name is { Length: > 0 } name ? name : null));
        services.TryAddSingleton<CeleryMessageParser>();
        services.TryAddSingleton<TaskRouter>();
        services.TryAddSingleton<QueueLanes>();
        services.TryAddSingleton(sp => new TaskRegistry(sp.GetServices<TaskDefinition>()));
        services.TryAddSingleton<TaskPublisher>();
        services.TryAddSingleton<TaskObservers>();
        services.TryAddSingleton<RunningTasks>();
        services.TryAddSingleton<TaskRateLimits>();
        services.TryAddSingleton<TaskTimeLimits>();
        services.TryAddSingleton<WorkerPool>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskObserver, TaskMetricsObserver>());
        services.TryAddSingleton<RecentRevocations>();
        services.TryAddSingleton<TaskRevoker>();
        services.AddTaskRunner();
        services.TryAddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var lanes = sp.GetRequiredService<QueueLanes>();
            return new PriorityGate(worker.Concurrency, worker.QueueConcurrency,
                lanes.Any && sp.GetService<LanedBroker>() is not null ? new LaneServing(lanes.LaneFloors(), worker.LaneSlots, worker.HigherLaneStreak) : null);
        });

        if (!string.IsNullOrWhiteSpace(builder.Configuration[RedisOptions.Section + ":Configuration"]))
        {
            // A host with its own authentication (Entra ID in Azure) registers the multiplexer first.
            services.TryAddSingleton<IConnectionMultiplexer>(sp =>
            {
                var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration!);
                // Start even when Redis is down: messages are abandoned until it is back, not lost.
                options.AbortOnConnectFail = false;
                return ConnectionMultiplexer.Connect(options);
            });
            services.TryAddSingleton<IResultStore, RedisResultStore>();
            services.TryAddSingleton<RedisRevocationBroadcast>();
            services.TryAddSingleton<IRevocationBroadcast>(sp => sp.GetRequiredService<RedisRevocationBroadcast>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisRevocationBroadcast>());
            services.TryAddSingleton<IMonitoringStore, RedisMonitoringStore>();
        }
        else
        {
            services.TryAddSingleton<IResultStore, InMemoryResultStore>();
            services.TryAddSingleton<IRevocationBroadcast, LocalRevocationBroadcast>();
            services.TryAddSingleton<IMonitoringStore, InMemoryMonitoringStore>();
            services.AddHostedService<InMemoryResultsNotice>();
        }

        // Monitoring: the runner tells the monitor about each task (at once, no I/O); the service writes
        // heartbeats and the task index in batches, so every instance of either host shows up in inspect.
        services.TryAddSingleton<TaskMonitor>();
        services.AddSingleton<ITaskObserver>(sp => sp.GetRequiredService<TaskMonitor>());
        services.TryAddSingleton<MonitoringReader>();
        services.TryAddSingleton<DeadLetterReplayer>();
        services.AddHostedService<MonitoringService>();
        return builder;
    }

    /// <summary>Adds the consumers that pull from the broker's queues (hosts whose broker does not push).</summary>
    public static IServiceCollection AddQueueConsumers(this IServiceCollection services)
    {
        services.TryAddSingleton<QueueConsumerService>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueConsumerService>());
        return services;
    }

    /// <summary>Says once, at start-up, that results are not durable.</summary>
    private sealed class InMemoryResultsNotice(ILogger<InMemoryResultsNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            HostingLog.InMemoryResults(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
