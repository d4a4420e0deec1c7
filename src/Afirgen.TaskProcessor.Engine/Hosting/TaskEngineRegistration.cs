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
        services.AddValidatedOptions<TimeLimitOptions, TimeLimitOptionsValidator>(TimeLimitOptions.Section);
        services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(ResultOptions.Section);
        services.AddValidatedOptions<MessageOptions, MessageOptionsValidator>(MessageOptions.Section);
        services.AddValidatedOptions<WorkerOptions, WorkerOptionsValidator>(WorkerOptions.Section);
        services.AddValidatedOptions<BrokerQueueOptions, BrokerQueueOptionsValidator>(BrokerQueueOptions.Section);
        services.AddValidatedOptions<RevocationOptions, RevocationOptionsValidator>(RevocationOptions.Section);
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
        services.TryAddSingleton<InstanceStateReader>();
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
