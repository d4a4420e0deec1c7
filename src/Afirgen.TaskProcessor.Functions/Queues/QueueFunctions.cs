using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Functions.Queues;

/// <summary>
/// One function per Service Bus queue, each a peek-lock trigger that leaves settlement to the engine
/// (<c>AutoCompleteMessages = false</c>: Celery's <c>acks_late</c>): one per queue and one per priority lane
/// (<c>reports-high</c>, priorities 7–10), so that the high lane's messages are not behind the queue's backlog
/// and its calls are its own: host.json's <c>maxConcurrentCalls</c> and <c>prefetchCount</c> apply per function.
/// Queue names are the routing defaults' constants (<see cref="QueueNames"/>), which the Bicep templates also
/// provision. Lock renewal is host.json's <c>extensions.serviceBus</c>; the engine's priority gate decides which
/// of the messages held runs first, and keeps slots for the lanes (<c>TaskProcessor__Worker__LaneSlots</c>).
/// </summary>
public sealed class QueueFunctions(ServiceBusMessageHandler handler, TimeProvider time, IOptions<BrokerQueueOptions> broker)
{
    private const string Connection = ServiceBusConnectionSettings.Name;

    [Function("ProcessDefaultQueue")]
    public Task ProcessDefaultQueueAsync(
        [ServiceBusTrigger(QueueNames.Default, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Default, message, actions, cancellationToken);

    [Function("ProcessEmailQueue")]
    public Task ProcessEmailQueueAsync(
        [ServiceBusTrigger(QueueNames.Email, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Email, message, actions, cancellationToken);

    [Function("ProcessReportsQueue")]
    public Task ProcessReportsQueueAsync(
        [ServiceBusTrigger(QueueNames.Reports, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Reports, message, actions, cancellationToken);

    [Function("ProcessAnalyticsQueue")]
    public Task ProcessAnalyticsQueueAsync(
        [ServiceBusTrigger(QueueNames.Analytics, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Analytics, message, actions, cancellationToken);

    [Function("ProcessCleanupQueue")]
    public Task ProcessCleanupQueueAsync(
        [ServiceBusTrigger(QueueNames.Cleanup, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.Cleanup, message, actions, cancellationToken);

    [Function("ProcessDefaultHighQueue")]
    public Task ProcessDefaultHighQueueAsync(
        [ServiceBusTrigger(QueueNames.DefaultHigh, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.DefaultHigh, message, actions, cancellationToken);

    [Function("ProcessEmailHighQueue")]
    public Task ProcessEmailHighQueueAsync(
        [ServiceBusTrigger(QueueNames.EmailHigh, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.EmailHigh, message, actions, cancellationToken);

    [Function("ProcessReportsHighQueue")]
    public Task ProcessReportsHighQueueAsync(
        [ServiceBusTrigger(QueueNames.ReportsHigh, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.ReportsHigh, message, actions, cancellationToken);

    [Function("ProcessAnalyticsHighQueue")]
    public Task ProcessAnalyticsHighQueueAsync(
        [ServiceBusTrigger(QueueNames.AnalyticsHigh, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.AnalyticsHigh, message, actions, cancellationToken);

    [Function("ProcessCleanupHighQueue")]
    public Task ProcessCleanupHighQueueAsync(
        [ServiceBusTrigger(QueueNames.CleanupHigh, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        HandleAsync(QueueNames.CleanupHigh, message, actions, cancellationToken);

    // The token fires when the host stops or the function times out: the engine then abandons the message.
    // The queue is the Service Bus queue (a lane's included): the handler maps a lane to its queue for the engine.
    private Task HandleAsync(string queue, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        handler.HandleAsync(queue, message, new FunctionsMessageSettlement(queue, message, actions, time, broker.Value.LockDuration), cancellationToken);
}
