using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Receiving;

/// <summary>
/// What a Service Bus trigger does with a message: map it and hand it to the <see cref="TaskRunner"/>,
/// which runs the task, stores the outcome and settles the message through the settlement it is given.
/// The Functions app's queue functions call this and nothing else.
/// </summary>
/// <remarks>
/// A trigger on a lane queue (<c>reports-high</c>) hands its messages over as the logical queue's
/// (<c>reports</c>): the engine's gate, retries, results and monitoring know queues, not lanes, and the message's
/// priority brings a retry back to the same lane.
/// </remarks>
public sealed class ServiceBusMessageHandler(TaskRunner runner, QueueLanes lanes)
{
    /// <summary>Runs <paramref name="message"/> from <paramref name="queue"/>; never throws for anything the message or its task did.</summary>
    /// <param name="queue">The Service Bus queue the trigger listens on: a queue, or one of its lanes.</param>
    /// <param name="message">The delivery, received in peek-lock mode and not yet settled.</param>
    /// <param name="settlement">Settles this delivery (in Functions: <c>ServiceBusMessageActions</c>).</param>
    /// <param name="abortToken">Fires when the host must stop now: the run is cancelled and the message abandoned.</param>
    public Task HandleAsync(string queue, ServiceBusReceivedMessage message, IMessageSettlement settlement, CancellationToken abortToken) =>
        runner.RunAsync(new ReceivedDelivery(ReceivedMessages.From(lanes.LogicalQueueOf(queue), message), settlement), abortToken);
}
