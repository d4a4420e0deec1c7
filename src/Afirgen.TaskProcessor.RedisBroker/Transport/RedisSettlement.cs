using System.Diagnostics.CodeAnalysis;
using Afirgen.TaskProcessor.Engine.Broker;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>
/// Settles one delivery from a kombu list. Its lock is the score of the delivery tag in the unacked index as
/// this delivery last set it (on receipt or renewal): once a restore and another pop (by any worker, ours or
/// Celery's) has changed it, or the delivery was settled, every member throws <see cref="MessageLockLostException"/>.
/// Operations on one delivery are serialized, so a renewal never races its own completion.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "One per delivery, dropped once settled, with no point at which to dispose it; its SemaphoreSlim holds nothing to release "
        + "unless AvailableWaitHandle is read, which it never is, and disposing it under a waiting renewal would turn that renewal's "
        + "MessageLockLostException into an ObjectDisposedException.")]
internal sealed class RedisSettlement(RedisBroker broker, PoppedMessage popped, ReceivedMessage message, string score) : IMessageSettlement
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private string _score = score;

    public ReceivedMessage Message => message;

    public Task CompleteAsync(CancellationToken cancellationToken) => SettleAsync(SettleOperation.Complete, null, cancellationToken);

    public Task AbandonAsync(CancellationToken cancellationToken) =>
        message.DeliveryCount >= broker.MaxDeliveryCount
            ? SettleAsync(SettleOperation.DeadLetter, broker.MaxDeliveriesEntry(message), cancellationToken)
            : SettleAsync(SettleOperation.Abandon, null, cancellationToken);

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentNullException.ThrowIfNull(description);
        return SettleAsync(SettleOperation.DeadLetter, broker.DeadLetterEntryFor(message, reason, description), cancellationToken);
    }

    public async Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (score, lockedUntil) = await broker.RenewAsync(popped, _score).ConfigureAwait(false)
                ?? throw new MessageLockLostException(popped.Queue, message.MessageId);
            _score = score;
            return lockedUntil;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task SettleAsync(SettleOperation operation, byte[]? entry, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await broker.SettleAsync(popped, _score, operation, entry).ConfigureAwait(false))
            {
                throw new MessageLockLostException(popped.Queue, message.MessageId);
            }
        }
        finally
        {
            _one.Release();
        }
    }
}
