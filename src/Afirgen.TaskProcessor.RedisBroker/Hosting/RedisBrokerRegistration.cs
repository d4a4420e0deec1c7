using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.RedisBroker.Events;
using Afirgen.TaskProcessor.RedisBroker.RemoteControl;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.Hosting;

/// <summary>Registers Celery's Redis broker as the host's broker.</summary>
public static class RedisBrokerRegistration
{
    /// <summary>
    /// Adds the Redis transport (<see cref="Transport.RedisBroker"/>) as the engine's <see cref="IMessageSender"/>,
    /// <see cref="IMessageSource"/>, <see cref="IQueueStatisticsSource"/> and <see cref="IDeadLetterStore"/>, bound
    /// to <c>TaskProcessor:RedisBroker</c> (and <c>TaskProcessor:Broker</c>) and checked at start-up.
    /// </summary>
    internal static IHostApplicationBuilder AddRedisBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<RedisBrokerOptions, RedisBrokerOptionsValidator>(RedisBrokerOptions.Section);
        // On this broker the lock is kombu's visibility timeout: the engine renews running tasks' locks on that
        // cadence, and one setting (VisibilityTimeout, matching the Celery workers') says how long a lock lasts.
        services.AddOptions<BrokerQueueOptions>().BindConfiguration(BrokerQueueOptions.Section)
            .PostConfigure<IOptions<RedisBrokerOptions>>((queue, redis) => queue.LockDuration = redis.Value.VisibilityTimeout);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Transport.RedisBroker>();
        services.TryAddSingleton<IMessageSender>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IMessageSource>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IQueueStatisticsSource>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<Transport.RedisBroker>());

        // A full member of a Celery cluster on this broker: Celery's events on the celeryev exchange and its remote
        // control on celery.pidbox, both kombu fanouts on the broker's pub/sub.
        services.TryAddSingleton<KombuExchanges>();
        services.TryAddSingleton<LamportClock>();
        services.TryAddSingleton<CeleryEventPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<CeleryEventPublisher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskObserver, CeleryEventObserver>());
        services.AddOptions<RemoteControlOptions>().BindConfiguration(RemoteControlOptions.Section);
        if (builder.Configuration.GetValue(RemoteControlOptions.Section + ":" + nameof(RemoteControlOptions.Enabled), true))
        {
            services.TryAddSingleton<BrokerDescription>();
            services.TryAddSingleton<PoolDescription>();
            services.TryAddSingleton<TaskInspection>();
            services.TryAddSingleton<RegisteredTaskInspection>();
            services.TryAddSingleton<MingleInspection>();
            services.TryAddSingleton<WorkerStatsInspection>();
            services.TryAddSingleton<WorkerConfInspection>();
            services.TryAddSingleton<TaskControlCommands>();
            services.TryAddSingleton<WorkerControlCommands>();
            services.TryAddSingleton<ControlPanel>();
            services.AddHostedService<PidboxNode>();
        }
        return builder;
    }

    /// <summary>
    /// Celery's Redis transport as the broker (<see cref="AddRedisBroker"/>), with consumers that pull from its
    /// queues. <paramref name="url"/>, when given, is used unless <c>TaskProcessor:RedisBroker:Url</c> is set.
    /// </summary>
    public static TaskProcessorBuilder UseRedisBroker(this TaskProcessorBuilder processor, string? url = null)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.UseBroker("UseRedisBroker()", p =>
        {
            p.Host.AddRedisBroker();
            if (url is not null)
            {
                p.Services.PostConfigure<RedisBrokerOptions>(o => o.Url = string.IsNullOrWhiteSpace(o.Url) ? url : o.Url);
            }
        }, pullsMessages: true);
    }
}
