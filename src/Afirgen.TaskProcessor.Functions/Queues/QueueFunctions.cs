using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Functions.Queues;

/// <summary>
/// One function per queue, each a peek-lock trigger that leaves settlement to the engine
/// (<c>AutoCompleteMessages = false</c>: Celery's <c>acks_late</c>). Queue names are the routing defaults'
/// constants (<see cref="QueueNames"/>), which the Bicep templates also provision. Concurrency and lock
/// renewal are host.json's <c>extensions.serviceBus</c>; the engine's priority gate decides which of the
/// messages held runs first.
/// </summary>
public sealed class QueueFunctions(ServiceBusMessageHandler handler, TimeProvider time, IOptions<BrokerQueueOptions> broker)
{
    private const string Connection = ServiceBusConnectionSettings.Name;

    [Function("ProcessDefaultQueue")]
    public Task ProcessDefaultQueue(
        [ServiceBusTrigger(QueueNames.Default, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Default, message, actions, cancellationToken);

    [Function("ProcessEmailQueue")]
    public Task ProcessEmailQueue(
        [ServiceBusTrigger(QueueNames.Email, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Email, message, actions, cancellationToken);

    [Function("ProcessReportsQueue")]
    public Task ProcessReportsQueue(
        [ServiceBusTrigger(QueueNames.Reports, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Reports, message, actions, cancellationToken);

    [Function("ProcessAnalyticsQueue")]
    public Task ProcessAnalyticsQueue(
        [ServiceBusTrigger(QueueNames.Analytics, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Analytics, message, actions, cancellationToken);

    [Function("ProcessCleanupQueue")]
    public Task ProcessCleanupQueue(
        [ServiceBusTrigger(QueueNames.Cleanup, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Cleanup, message, actions, cancellationToken);

    // The token fires when the host stops or the function times out: the engine then abandons the message.
    private Task HandleAsync(string queue, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        handler.HandleAsync(queue, message, new FunctionsMessageSettlement(queue, message, actions, time, broker.Value.LockDuration), cancellationToken);
}
