namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// A note that <paramref name="Message"/>'s lock for delivery <paramref name="DeliveryCount"/> ends at
/// <paramref name="LockedUntil"/>. Every lock and renewal appends one; a note whose message was since
/// settled, redelivered or renewed is stale and skipped.
/// </summary>
internal readonly record struct LockExpiry(QueuedMessage Message, int DeliveryCount, DateTimeOffset LockedUntil)
{
    public bool IsCurrent =>
        Message.State == QueuedMessageState.Locked
        && Message.DeliveryCount == DeliveryCount
        && Message.LockedUntil == LockedUntil;
}
