using Afirgen.TaskProcessor.Engine.Broker;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Receiving;

/// <summary>How a Service Bus delivery is shown to the engine.</summary>
public static class ReceivedMessages
{
    /// <summary>
    /// The engine's view of <paramref name="message"/> received from <paramref name="queue"/>: body, message
    /// id, delivery count, enqueued time and lock expiry. The body is passed as it came; whether it is a
    /// Celery envelope is the engine's parser's question (a foreign body is dead-lettered as
    /// <c>MalformedMessage</c>, not thrown). Application properties are not carried: everything the engine
    /// needs is in the envelope, and kombu's producers set none.
    /// </summary>
    public static ReceivedMessage From(string queue, ServiceBusReceivedMessage message)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(message);
        return new ReceivedMessage(
            queue,
            // Service Bus always sets a message id; fall back to the sequence number, unique per queue, if not.
            message.MessageId ?? $"sequence-{message.SequenceNumber}",
            message.Body.ToMemory(),
            message.DeliveryCount,
            message.EnqueuedTime,
            message.LockedUntil);
    }
}
