using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
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
    /// to <c>TaskProcessor:RedisBroker</c> (and <c>TaskProcessor:Broker</c>) and checked at start-up. Call after
    /// <c>AddTaskEngine()</c> and instead of another broker.
    /// </summary>
    public static IHostApplicationBuilder AddRedisBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisBrokerOptions>().BindConfiguration(RedisBrokerOptions.Section);
        // On this broker the lock is kombu's visibility timeout: the engine renews running tasks' locks on that
        // cadence, and one setting (VisibilityTimeout, matching the Celery workers') says how long a lock lasts.
        services.AddOptions<BrokerQueueOptions>().BindConfiguration(BrokerQueueOptions.Section)
            .PostConfigure<IOptions<RedisBrokerOptions>>((queue, redis) => queue.LockDuration = redis.Value.VisibilityTimeout);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisBrokerOptions>, RedisBrokerOptionsValidator>());
        services.AddOptions<RedisBrokerOptions>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Transport.RedisBroker>();
        services.TryAddSingleton<IMessageSender>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IMessageSource>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IQueueStatisticsSource>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<Transport.RedisBroker>());
        return builder;
    }

    // Checks the Redis settings alone: the queue settings are the engine's to check, and reading them here would
    // wait on this very validation (their lock duration is post-configured from these options).
    private sealed class RedisBrokerOptionsValidator : IValidateOptions<RedisBrokerOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisBrokerOptions options) =>
            Transport.RedisBroker.Validate(options, new BrokerQueueOptions()) is { } problem
                ? ValidateOptionsResult.Fail(problem)
                : ValidateOptionsResult.Success;
    }
}
