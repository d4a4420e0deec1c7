namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// One message inside an <see cref="EmbeddedQueue"/>. Mutable, and touched only under that queue's lock.
/// </summary>
internal sealed class QueuedMessage(OutgoingMessage message, long sequenceNumber)
{
    public OutgoingMessage Message { get; } = message;

    public long SequenceNumber { get; } = sequenceNumber;

    public QueuedMessageState State { get; set; }

    /// <summary>Deliveries so far. The current value also identifies the current lock (see <see cref="EmbeddedSettlement"/>).</summary>
    public int DeliveryCount { get; set; }

    public DateTimeOffset EnqueuedAt { get; set; }

    public DateTimeOffset LockedUntil { get; set; }
}
