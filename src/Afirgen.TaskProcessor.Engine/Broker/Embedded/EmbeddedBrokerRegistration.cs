using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>Registers the embedded broker as the host's broker (development and tests only).</summary>
public static class EmbeddedBrokerRegistration
{
    public static IServiceCollection AddEmbeddedBroker(this IServiceCollection services)
    {
        services.TryAddSingleton<EmbeddedBroker>();
        services.TryAddSingleton<IMessageSender>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IMessageSource>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IQueueStatisticsSource>(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<EmbeddedBroker>());
        return services;
    }
}
