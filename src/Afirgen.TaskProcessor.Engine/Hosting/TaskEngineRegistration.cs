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
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// Registers the engine alone. Hosts compose the whole processor with
/// <see cref="TaskProcessorRegistration.AddTaskProcessor"/>, which calls this; a tool that needs the engine's stores but
/// no broker (<c>afirgen-tasks reconcile</c>) and tests that drive a broker by hand call it directly.
/// </summary>
public static class TaskEngineRegistration
{
    /// <summary>
    /// Adds the engine: options bound from <c>TaskProcessor:*</c> and checked at start-up, routing, the
    /// priority gate, the runner, the publisher, and stores kept in memory (with a warning) unless a store
    /// project registered its own. The host adds a broker (<see cref="IMessageSender"/>, and
    /// <see cref="IMessageSource"/> where it pulls messages).
    /// </summary>
    public static IHostApplicationBuilder AddTaskEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<RoutingOptions>().BindConfigurationOverDefaults(RoutingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddOptions<TimeLimitOptions>().BindConfiguration(TimeLimitOptions.Section)
            .Validate(o => o.Soft > TimeSpan.Zero && o.Hard > TimeSpan.Zero, "Time limits must be positive (TaskProcessor:TimeLimits).")
            .Validate(o => o.Soft < o.Hard, "The soft time limit must be below the hard one (TaskProcessor:TimeLimits:Soft < Hard).")
            .ValidateOnStart();
        services.AddOptions<ResultOptions>().BindConfiguration(ResultOptions.Section)
            .Validate(o => o.Expires >= TimeSpan.FromSeconds(1), "Results must be kept at least one second (TaskProcessor:Results:Expires).")
            .Validate(o => o.OutcomeRetryWindow >= TimeSpan.Zero, "The outcome retry window must be zero or more (TaskProcessor:Results:OutcomeRetryWindow).")
            .ValidateOnStart();
        services.AddOptions<MessageOptions>().BindConfiguration(MessageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.QueueConcurrency.Values.All(v => v >= 1), "Per-queue concurrency caps must be at least 1 (TaskProcessor:Worker:QueueConcurrency).")
            .ValidateOnStart();
        services.AddOptions<BrokerQueueOptions>().BindConfiguration(BrokerQueueOptions.Section)
            .Validate(o => o.LockDuration >= TimeSpan.FromSeconds(5), "The lock duration must be at least 5 seconds (TaskProcessor:Broker:LockDuration).")
            .Validate(o => o.MaxDeliveryCount >= 1, "The max delivery count must be at least 1 (TaskProcessor:Broker:MaxDeliveryCount).")
            .ValidateOnStart();
        services.AddOptions<RevocationOptions>().BindConfiguration(RevocationOptions.Section)
            .Validate(o => o.Expires >= TimeSpan.FromSeconds(1), "Revocations must be kept at least one second (TaskProcessor:Revocation:Expires).")
            .ValidateOnStart();
        services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.Section)
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.FlushInterval > TimeSpan.Zero, "Monitoring intervals must be positive (TaskProcessor:Monitoring:HeartbeatInterval, FlushInterval).")
            .Validate(o => o.HeartbeatExpiry > o.HeartbeatInterval, "The heartbeat expiry must be longer than the heartbeat interval (TaskProcessor:Monitoring:HeartbeatExpiry > HeartbeatInterval).")
            .ValidateOnStart();

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
        services.TryAddSingleton<TaskRunner>();
        services.TryAddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var lanes = sp.GetRequiredService<QueueLanes>();
            return new PriorityGate(worker.Concurrency, worker.QueueConcurrency,
                lanes.Any && sp.GetService<LanedBroker>() is not null ? new LaneServing(lanes.LaneFloors(), worker.LaneSlots, worker.HigherLaneStreak) : null);
        });

        // Kept in this process unless a store (Redis) registered its own: development only, and said so at start-up.
        services.TryAddSingleton<IResultStore, InMemoryResultStore>();
        services.TryAddSingleton<IRevocationBroadcast, LocalRevocationBroadcast>();
        services.TryAddSingleton<IMonitoringStore, InMemoryMonitoringStore>();
        services.AddHostedService<InMemoryResultsNotice>();

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
    internal static IServiceCollection AddQueueConsumers(this IServiceCollection services)
    {
        services.TryAddSingleton<QueueConsumerService>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueConsumerService>());
        return services;
    }

    /// <summary>Says once, at start-up, that results are not durable (when they are kept in memory).</summary>
    private sealed class InMemoryResultsNotice(IResultStore results, ILogger<InMemoryResultsNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (results is InMemoryResultStore)
            {
                HostingLog.InMemoryResults(logger);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
