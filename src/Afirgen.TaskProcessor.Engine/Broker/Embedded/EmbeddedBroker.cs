using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// An in-process broker with Azure Service Bus queue semantics: peek-lock with lock duration, expiry and
/// renewal; delivery count and max delivery count → dead-letter queue; scheduled messages; duplicate
/// detection by message id. Queues are created on first use, under any name (compared ignoring case, as
/// Service Bus entity names are; <see cref="ReceivedMessage.Queue"/> carries the spelling first used).
/// </summary>
/// <remarks>
/// <para>
/// <b>This broker lives in one process's memory. It is for development and tests, not production:</b>
/// messages are lost when the process ends, and nothing outside the process can reach them. In Azure the
/// same ports are implemented over Service Bus.
/// </para>
/// <para>
/// Ready messages are delivered first in, first out. Like a Service Bus queue it does not order by priority:
/// the engine's priority gate does that after receipt. A message whose lock ends without settlement (abandon
/// or expiry) queues again at the back, behind messages that arrived meanwhile (Service Bus keeps its place).
/// All timing, scheduled delivery and lock expiry included, follows the <see cref="TimeProvider"/> it is given,
/// so tests drive it with a fake clock.
/// </para>
/// </remarks>
public sealed class EmbeddedBroker : IMessageSender, IMessageSource, IQueueStatisticsSource, IDeadLetterStore, IDisposable
{
    private readonly ConcurrentDictionary<string, EmbeddedQueue> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly BrokerQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private volatile bool _disposed;

    /// <summary>Creates a broker whose queues all use <paramref name="options"/> (read once, here).</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The lock duration is not positive, the max delivery count is below one, or the duplicate-detection
    /// window is negative (zero turns duplicate detection off).
    /// </exception>
    public EmbeddedBroker(IOptions<BrokerQueueOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var value = options.Value;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value.LockDuration, TimeSpan.Zero, "options.LockDuration");
        ArgumentOutOfRangeException.ThrowIfLessThan(value.MaxDeliveryCount, 1, "options.MaxDeliveryCount");
        ArgumentOutOfRangeException.ThrowIfLessThan(value.DuplicateDetectionWindow, TimeSpan.Zero, "options.DuplicateDetectionWindow");

        // A copy, so that later changes to the options object cannot reach running queues.
        _options = new BrokerQueueOptions
        {
            LockDuration = value.LockDuration,
            MaxDeliveryCount = value.MaxDeliveryCount,
            DuplicateDetectionWindow = value.DuplicateDetectionWindow,
        };
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A message whose <see cref="OutgoingMessage.MessageId"/> the queue accepted within the duplicate-detection
    /// window is dropped without error, as Service Bus does. With <paramref name="notBefore"/> after now the
    /// message is scheduled: counted as <see cref="QueueStatistics.Scheduled"/> and invisible to receivers
    /// until then. The body is kept, not copied: do not reuse its buffer.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The broker was disposed.</exception>
    public Task SendAsync(string queue, OutgoingMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        GetOrCreateQueue(queue).Send(message, notBefore);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each returned message is locked until <see cref="ReceivedMessage.LockedUntil"/>; settle it through its
    /// <see cref="ReceivedDelivery.Settlement"/>. Many receivers may wait on one queue; each message goes to
    /// exactly one of them, in the order they started waiting. Cancelling <paramref name="cancellationToken"/>
    /// does not throw: the call returns an empty list at once, unless messages were handed to it in the same
    /// instant, in which case it returns those (they are locked to the caller, who must settle them or let
    /// their locks expire). Disposing the broker also ends every wait with an empty list.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMessages"/> is below one.</exception>
    /// <exception cref="ObjectDisposedException">The broker was disposed before the call.</exception>
    public ValueTask<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask<IReadOnlyList<ReceivedDelivery>>(Array.Empty<ReceivedDelivery>());
        }

        return GetOrCreateQueue(queue).ReceiveAsync(maxMessages, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A queue never used reports zeros (and is not created).</remarks>
    public Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        var statistics = new QueueStatistics[queues.Count];
        for (var i = 0; i < statistics.Length; i++)
        {
            var name = queues[i];
            statistics[i] = _queues.TryGetValue(name, out var found)
                ? found.GetStatistics()
                : new QueueStatistics(name, 0, 0, 0, 0);
        }

        return Task.FromResult<IReadOnlyList<QueueStatistics>>(statistics);
    }

    /// <summary>Every queue's depths now (what the process would lose if it ended).</summary>
    internal IReadOnlyList<QueueStatistics> Snapshot() => _queues.Values.Select(q => q.GetStatistics()).ToArray();

    /// <inheritdoc/>
    public Task<IReadOnlyList<DeadLetteredMessage>> GetDeadLettersAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessages);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_queues.TryGetValue(queue, out var found))
        {
            return Task.FromResult<IReadOnlyList<DeadLetteredMessage>>(Array.Empty<DeadLetteredMessage>());
        }
        var all = found.GetDeadLetters();
        return Task.FromResult(all.Count <= maxMessages ? all : all.Take(maxMessages).ToArray());
    }

    /// <inheritdoc/>
    /// <remarks>Embedded: the move is immediate and the token is not observed.</remarks>
    public Task<int> ReplayDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.FromResult(_queues.TryGetValue(queue, out var found) ? found.ReplayDeadLetters(messageIds) : 0);
    }

    /// <inheritdoc/>
    /// <remarks>Embedded: the deletion is immediate and the token is not observed.</remarks>
    public Task<int> PurgeDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.FromResult(_queues.TryGetValue(queue, out var found) ? found.PurgeDeadLetters(messageIds) : 0);
    }

    /// <summary>
    /// Stops every queue's timer and ends every waiting receive with an empty list. Messages still held are
    /// dropped; later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var queue in _queues.Values)
        {
            queue.Dispose();
        }
    }

    private EmbeddedQueue GetOrCreateQueue(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var queue = _queues.GetOrAdd(
            name, static (key, broker) => new EmbeddedQueue(key, broker._options, broker._timeProvider), this);

        // Dispose may have run while this queue was being added and missed it.
        if (_disposed)
        {
            queue.Dispose();
            ObjectDisposedException.ThrowIf(true, this);
        }

        return queue;
    }
}
