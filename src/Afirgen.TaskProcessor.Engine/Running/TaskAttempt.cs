using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// One delivery of a parsed task on its way through the runner's steps: what every step needs to know about it.
/// A value, passed along without allocating.
/// </summary>
/// <param name="Delivery">The received message and its settlement.</param>
/// <param name="Message">The task message read from it.</param>
/// <param name="Priority">The priority it runs at (its own, else its route's or queue's).</param>
internal readonly record struct TaskAttempt(ReceivedDelivery Delivery, TaskMessage Message, int Priority)
{
    public ReceivedMessage Received => Delivery.Message;

    public string Queue => Delivery.Message.Queue;
}
