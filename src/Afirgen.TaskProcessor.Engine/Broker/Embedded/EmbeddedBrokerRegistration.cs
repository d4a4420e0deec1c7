using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>Registers the embedded broker as the host's broker (development and tests only).</summary>
public static class EmbeddedBrokerRegistration
{
    /// <summary>
    /// Adds the embedded broker as every broker port, and a notice that logs at start-up that its queues live in
    /// memory and, once the host has stopped, what it discards.
    /// </summary>
    public static IServiceCollection AddEmbeddedBroker(this IServiceCollection services)
    {
        services.AddHostedService<EmbeddedBrokerExitNotice>();
        services.TryAddSingleton<EmbeddedBroker>();
        services.TryAddSingleton<IMessageSender>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IMessageSource>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IQueueStatisticsSource>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<EmbeddedBroker>());
        return services;
    }
}
