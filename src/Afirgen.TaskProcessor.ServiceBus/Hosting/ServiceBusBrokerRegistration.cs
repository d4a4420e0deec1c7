using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.ServiceBus.DeadLetters;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Statistics;
using Azure.Identity;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.ServiceBus.Hosting;

/// <summary>Registers Service Bus as the host's broker.</summary>
public static class ServiceBusBrokerRegistration
{
    /// <summary>
    /// Adds the Service Bus clients (<c>Microsoft.Extensions.Azure</c>: one <c>ServiceBusClient</c> and one
    /// <c>ServiceBusAdministrationClient</c> for the app, identity-based through <c>DefaultAzureCredential</c>
    /// when <c>ServiceBusConnection__fullyQualifiedNamespace</c> is set, else from a connection string in
    /// <c>ServiceBusConnection</c>) and the engine's ports on them: <see cref="IMessageSender"/>,
    /// <see cref="IQueueStatisticsSource"/>, <see cref="IDeadLetterStore"/>, and the
    /// <see cref="ServiceBusMessageHandler"/> a trigger hands messages to.
    /// </summary>
    internal static IHostApplicationBuilder AddServiceBusBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connection = ServiceBusConnectionSettings.Read(builder.Configuration);
        builder.Services.AddAzureClients(clients =>
        {
            if (connection.FullyQualifiedNamespace is { } ns)
            {
                clients.AddServiceBusClientWithNamespace(ns);
                clients.AddServiceBusAdministrationClientWithNamespace(ns);
                // In Azure the app runs as a user-assigned identity; name it, or DefaultAzureCredential cannot pick it.
                clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = connection.ClientId }));
            }
            else
            {
                clients.AddServiceBusClient(connection.ConnectionString);
                clients.AddServiceBusAdministrationClient(connection.ConnectionString);
            }
        });

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServiceBusMessageSender>();
        services.TryAddSingleton<IMessageSender>(sp => sp.GetRequiredService<ServiceBusMessageSender>());
        services.TryAddSingleton<IQueueStatisticsSource, ServiceBusQueueStatistics>();
        services.TryAddSingleton<IDeadLetterStore, ServiceBusDeadLetterStore>();
        services.TryAddSingleton<ServiceBusMessageHandler>();
        // Lanes are Service Bus queues of their own: the gate serves them by the lane rule.
        services.TryAddSingleton<LanedBroker>();
        return builder;
    }

    /// <summary>
    /// Service Bus as the broker (<see cref="AddServiceBusBroker"/>): messages arrive through the host's triggers,
    /// which hand them to <see cref="ServiceBusMessageHandler"/>; each lane is a queue of its own.
    /// </summary>
    public static TaskProcessorBuilder UseServiceBus(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.UseBroker("UseServiceBus()", p => p.Host.AddServiceBusBroker());
    }
}
