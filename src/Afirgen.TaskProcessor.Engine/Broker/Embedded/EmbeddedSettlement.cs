namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// Settles one delivery of an embedded queue's message. It is bound to that delivery's lock: once the
/// lock has expired, or the delivery was settled, every member fails with <see cref="MessageLockLostException"/>.
/// </summary>
internal sealed class EmbeddedSettlement(EmbeddedQueue queue, QueuedMessage message, int deliveryCount) : IMessageSettlement
{
    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        return queue.TryComplete(message, deliveryCount) ? Task.CompletedTask : LockLostAsync();
    }

    public Task AbandonAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        return queue.TryAbandon(message, deliveryCount) ? Task.CompletedTask : LockLostAsync();
    }

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentNullException.ThrowIfNull(description);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        return queue.TryDeadLetter(message, deliveryCount, reason, description) ? Task.CompletedTask : LockLostAsync();
    }

    public Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<DateTimeOffset>(cancellationToken);
        }

        return queue.TryRenewLock(message, deliveryCount, out var lockedUntil)
            ? Task.FromResult(lockedUntil)
            : Task.FromException<DateTimeOffset>(new MessageLockLostException(queue.Name, message.Message.MessageId));
    }

    private Task LockLostAsync() => Task.FromException(new MessageLockLostException(queue.Name, message.Message.MessageId));
}
