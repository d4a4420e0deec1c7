using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Running;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Receiving;

/// <summary>
/// What a Service Bus trigger does with a message: map it and hand it to the <see cref="TaskRunner"/>,
/// which runs the task, stores the outcome and settles the message through the settlement it is given.
/// The Functions app's queue functions call this and nothing else.
/// </summary>
public sealed class ServiceBusMessageHandler(TaskRunner runner)
{
    /// <summary>Runs <paramref name="message"/> from <paramref name="queue"/>; never throws for anything the message or its task did.</summary>
    /// <param name="queue">The queue the trigger listens on.</param>
    /// <param name="message">The delivery, received in peek-lock mode and not yet settled.</param>
    /// <param name="settlement">Settles this delivery (in Functions: <c>ServiceBusMessageActions</c>).</param>
    /// <param name="abortToken">Fires when the host must stop now: the run is cancelled and the message abandoned.</param>
    public Task HandleAsync(string queue, ServiceBusReceivedMessage message, IMessageSettlement settlement, CancellationToken abortToken) =>
        runner.RunAsync(new ReceivedDelivery(ReceivedMessages.From(queue, message), settlement), abortToken);
}
