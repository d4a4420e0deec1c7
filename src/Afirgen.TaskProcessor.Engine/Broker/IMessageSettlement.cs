namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Settles one received message. One instance per delivery; implemented by each broker adapter
/// (the embedded broker, Service Bus's <c>ServiceBusMessageActions</c>, …).
/// </summary>
/// <remarks>
/// Every member throws <see cref="MessageLockLostException"/> when the lock has already expired: the
/// broker will redeliver the message, so the caller must not treat it as settled.
/// </remarks>
public interface IMessageSettlement
{
    /// <summary>Removes the message from the queue: its outcome is stored.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Releases the lock so the broker redelivers the message (delivery count + 1).</summary>
    Task AbandonAsync(CancellationToken cancellationToken);

    /// <summary>Moves the message to the queue's dead-letter queue with a reason from <see cref="DeadLetterReasons"/>.</summary>
    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken);

    /// <summary>Extends the lock by the queue's lock duration and returns the new expiry.</summary>
    Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken);
}
