using System.Runtime.CompilerServices;
namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// One queue of the <see cref="EmbeddedBroker"/>: its ready, scheduled, locked and dead-lettered messages and
/// the receivers waiting on it, all guarded by one lock.
/// </summary>
/// <remarks>
/// <para>
/// One timer per queue serves both scheduled messages and lock expiry. It is armed for the earliest deadline
/// and re-armed from its own callback. Lock deadlines are <c>now + LockDuration</c>, so they arrive in
/// order: a plain FIFO of <see cref="LockExpiry"/> notes (one per lock or renewal) replaces a priority
/// queue, and notes made stale by settlement are dropped from its head as they surface.
/// </para>
/// <para>
/// Waiting receivers are completed after the lock is released, and their continuations run asynchronously,
/// so no receiver's code ever runs under this queue's lock.
/// </para>
/// </remarks>
internal sealed class EmbeddedQueue
{
    // System timers (and FakeTimeProvider's) accept at most ~49.7 days; a far-off ETA just re-arms daily.
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lockDuration;
    private readonly int _maxDeliveryCount;
    private readonly DuplicateDetectionHistory _history;
    private readonly Queue<QueuedMessage> _ready = new();
    private readonly PriorityQueue<QueuedMessage, (DateTimeOffset DueAt, long SequenceNumber)> _scheduled = new();
    private readonly Queue<LockExpiry> _lockExpiries = new();
    private readonly List<DeadLetteredMessage> _deadLetters = [];
    private readonly LinkedList<ReceiveWaiter> _waiters = new();
    private long _nextSequenceNumber;
    private int _inFlight;
    private ITimer? _timer;
    private DateTimeOffset _timerArmedFor = DateTimeOffset.MaxValue;
    private bool _disposed;

    public EmbeddedQueue(string name, BrokerQueueOptions options, TimeProvider timeProvider)
    {
        Name = name;
        _timeProvider = timeProvider;
        _lockDuration = options.LockDuration;
        _maxDeliveryCount = options.MaxDeliveryCount;
        _history = new DuplicateDetectionHistory(options.DuplicateDetectionWindow);
    }

    public string Name { get; }

    /// <summary>Accepts a message, or drops it as a duplicate; returns whether it was accepted.</summary>
    public bool Send(OutgoingMessage message, DateTimeOffset? notBefore)
    {
        ReceiveWaiter? served = null;
        lock (_gate)
        {
            ThrowIfDisposed();
            var now = _timeProvider.GetUtcNow();
            if (!_history.TryRecord(message.MessageId, now))
            {
                return false;
            }

            var queued = new QueuedMessage(message, ++_nextSequenceNumber);
            if (notBefore is { } dueAt && dueAt > now)
            {
                queued.State = QueuedMessageState.Scheduled;
                queued.EnqueuedAt = dueAt;
                _scheduled.Enqueue(queued, (dueAt, queued.SequenceNumber));
                ArmTimer(now);
            }
            else
            {
                queued.State = QueuedMessageState.Ready;
                queued.EnqueuedAt = now;
                _ready.Enqueue(queued);
                served = ServeWaiters(now);
            }
        }

        ReceiveWaiter.CompleteChain(served);
        return true;
    }

    public ValueTask<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ReceiveWaiter waiter;
        lock (_gate)
        {
            ThrowIfDisposed();

            // Messages are handed to waiters as soon as they become ready, so ready messages mean no one waits.
            if (_ready.Count > 0)
            {
                return new ValueTask<IReadOnlyList<ReceivedDelivery>>(LockReady(maxMessages, _timeProvider.GetUtcNow()));
            }

            waiter = new ReceiveWaiter(this, maxMessages);
            waiter.Node = _waiters.AddLast(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    public bool TryComplete(QueuedMessage message, int deliveryCount) =>
        Settle(message, deliveryCount, 0, static (queue, m, _, _, _, ref _) =>
        {
            m.State = QueuedMessageState.Removed;
            queue._inFlight--;
            queue.DropStaleLockExpiries();
        });

    public bool TryAbandon(QueuedMessage message, int deliveryCount) =>
        Settle(message, deliveryCount, 0, static (queue, m, _, now, _, ref served) =>
        {
            queue.Release(m, now);
            queue.DropStaleLockExpiries();
            served = queue.ServeWaiters(now);
        });

    public bool TryDeadLetter(QueuedMessage message, int deliveryCount, string reason, string description) =>
        Settle(message, deliveryCount, (reason, description), static (queue, m, _, now, why, ref _) =>
        {
            queue._inFlight--;
            queue.MoveToDeadLetters(m, why.reason, why.description, now);
            queue.DropStaleLockExpiries();
        });

    public bool TryRenewLock(QueuedMessage message, int deliveryCount, out DateTimeOffset lockedUntil)
    {
        var renewed = new StrongBox<DateTimeOffset>();
        var held = Settle(message, deliveryCount, renewed, static (queue, m, delivery, now, result, ref _) =>
        {
            result.Value = now + queue._lockDuration;
            m.LockedUntil = result.Value;
            queue._lockExpiries.Enqueue(new LockExpiry(m, delivery, result.Value));
            queue.DropStaleLockExpiries();
            queue.ArmTimer(now);
        });
        lockedUntil = renewed.Value;
        return held;
    }

    private delegate void WhileHeld<TState>(EmbeddedQueue queue, QueuedMessage message, int deliveryCount, DateTimeOffset now, TState state, ref ReceiveWaiter? served);

    /// <summary>
    /// The frame every settlement shares: under the queue's lock, check that this delivery still holds
    /// the message's lock (an expired one is released here, whatever the timer's lateness), apply the
    /// settlement, then wake served receivers outside the lock.
    /// </summary>
    private bool Settle<TState>(QueuedMessage message, int deliveryCount, TState state, WhileHeld<TState> whileHeld)
    {
        ReceiveWaiter? served = null;
        bool held;
        lock (_gate)
        {
            ThrowIfDisposed();
            var now = _timeProvider.GetUtcNow();
            held = HoldsLock(message, deliveryCount, now, ref served);
            if (held)
            {
                whileHeld(this, message, deliveryCount, now, state, ref served);
            }
        }

        ReceiveWaiter.CompleteChain(served);
        return held;
    }

    public QueueStatistics GetStatistics()
    {
        lock (_gate)
        {
            return new QueueStatistics(Name, _ready.Count, _scheduled.Count, _inFlight, _deadLetters.Count);
        }
    }

    public IReadOnlyList<DeadLetteredMessage> GetDeadLetters()
    {
        lock (_gate)
        {
            return _deadLetters.ToArray();
        }
    }

    /// <summary>Moves the chosen dead letters (all when <paramref name="messageIds"/> is null) back to the queue.</summary>
    public int ReplayDeadLetters(IReadOnlyCollection<string>? messageIds) => RemoveDeadLetters(messageIds, replay: true);

    /// <summary>Deletes the chosen dead letters (all when <paramref name="messageIds"/> is null).</summary>
    public int PurgeDeadLetters(IReadOnlyCollection<string>? messageIds) => RemoveDeadLetters(messageIds, replay: false);

    /// <summary>Stops the timer and releases waiting receivers with nothing; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        ReceiveWaiter? released = null;
        ITimer? timer;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var waiter in _waiters)
            {
                waiter.Node = null;
                waiter.NextToComplete = released;
                released = waiter;
            }

            _waiters.Clear();
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
        ReceiveWaiter.CompleteChain(released);
    }

    private static async ValueTask<IReadOnlyList<ReceivedDelivery>> WaitAsync(ReceiveWaiter waiter, CancellationToken cancellationToken)
    {
        // Registered after the waiter is listed: a token cancelled in between fires the callback at once.
        using (cancellationToken.UnsafeRegister(static state => ((ReceiveWaiter)state!).Queue.CancelWait((ReceiveWaiter)state!), waiter))
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    private void CancelWait(ReceiveWaiter waiter)
    {
        lock (_gate)
        {
            // Already served (or released by Dispose): the waiter keeps what it was handed.
            if (waiter.Node is null)
            {
                return;
            }

            _waiters.Remove(waiter.Node);
            waiter.Node = null;
        }

        ReceiveWaiter.CompleteChain(waiter);
    }

    private void OnTimer()
    {
        ReceiveWaiter? served;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _timerArmedFor = DateTimeOffset.MaxValue;
            var now = _timeProvider.GetUtcNow();
            while (_scheduled.TryPeek(out var due, out var key) && key.DueAt <= now)
            {
                _scheduled.Dequeue();
                due.State = QueuedMessageState.Ready;
                _ready.Enqueue(due);
            }

            while (_lockExpiries.TryPeek(out var expiry))
            {
                if (!expiry.IsCurrent)
                {
                    _lockExpiries.Dequeue();
                    continue;
                }

                if (expiry.LockedUntil > now)
                {
                    break;
                }

                _lockExpiries.Dequeue();
                Release(expiry.Message, now);
            }

            served = ServeWaiters(now);
            ArmTimer(now);
        }

        ReceiveWaiter.CompleteChain(served);
    }

    /// <summary>
    /// Whether this delivery still holds its lock. A lock past its expiry whose timer has not fired yet is
    /// released here, so the answer never depends on timer latency.
    /// </summary>
    private bool HoldsLock(QueuedMessage message, int deliveryCount, DateTimeOffset now, ref ReceiveWaiter? served)
    {
        if (message.State != QueuedMessageState.Locked || message.DeliveryCount != deliveryCount)
        {
            return false;
        }

        if (now >= message.LockedUntil)
        {
            Release(message, now);
            served = ServeWaiters(now);
            return false;
        }

        return true;
    }

    /// <summary>Ends a lock without settling: back to ready, or to the dead letters once its deliveries are spent.</summary>
    private void Release(QueuedMessage message, DateTimeOffset now)
    {
        _inFlight--;
        if (message.DeliveryCount >= _maxDeliveryCount)
        {
            MoveToDeadLetters(
                message,
                DeadLetterReasons.MaxDeliveryCountExceeded,
                $"The message was delivered {message.DeliveryCount} times; the queue allows {_maxDeliveryCount}.",
                now);
            return;
        }

        // Back of the line: Service Bus keeps an abandoned message's place; here it queues again
        // behind what arrived meanwhile, so a poison message cannot starve the rest.
        message.State = QueuedMessageState.Ready;
        _ready.Enqueue(message);
    }

    private void MoveToDeadLetters(QueuedMessage message, string reason, string description, DateTimeOffset now)
    {
        message.State = QueuedMessageState.Removed;
        var sent = message.Message;
        _deadLetters.Add(new DeadLetteredMessage(
            Name,
            message.SequenceNumber,
            sent.MessageId,
            sent.TaskId,
            sent.TaskName,
            sent.Priority,
            sent.Body,
            reason,
            description,
            message.DeliveryCount,
            message.EnqueuedAt,
            now));
    }

    /// <summary>Hands ready messages to waiting receivers, first come first served; returns those to complete.</summary>
    private ReceiveWaiter? ServeWaiters(DateTimeOffset now)
    {
        ReceiveWaiter? served = null;
        while (_ready.Count > 0 && _waiters.First is { } node)
        {
            _waiters.RemoveFirst();
            var waiter = node.Value;
            waiter.Node = null;
            waiter.Deliveries = LockReady(waiter.MaxMessages, now);
            waiter.NextToComplete = served;
            served = waiter;
        }

        return served;
    }

    private ReceivedDelivery[] LockReady(int maxMessages, DateTimeOffset now)
    {
        var count = Math.Min(maxMessages, _ready.Count);
        var deliveries = new ReceivedDelivery[count];
        var lockedUntil = now + _lockDuration;
        for (var i = 0; i < count; i++)
        {
            var queued = _ready.Dequeue();
            var deliveryCount = ++queued.DeliveryCount;
            queued.State = QueuedMessageState.Locked;
            queued.LockedUntil = lockedUntil;
            _lockExpiries.Enqueue(new LockExpiry(queued, deliveryCount, lockedUntil));
            var sent = queued.Message;
            deliveries[i] = new ReceivedDelivery(
                new ReceivedMessage(Name, sent.MessageId, sent.Body, deliveryCount, queued.EnqueuedAt, lockedUntil),
                new EmbeddedSettlement(this, queued, deliveryCount));
        }

        _inFlight += count;
        ArmTimer(now);
        return deliveries;
    }

    private void DropStaleLockExpiries()
    {
        while (_lockExpiries.TryPeek(out var expiry) && !expiry.IsCurrent)
        {
            _lockExpiries.Dequeue();
        }
    }

    /// <summary>Arms the timer for the earliest deadline unless it is already armed for that or earlier.</summary>
    private void ArmTimer(DateTimeOffset now)
    {
        var next = DateTimeOffset.MaxValue;
        if (_scheduled.TryPeek(out _, out var key))
        {
            next = key.DueAt;
        }

        // The head may be stale (its message already settled): the timer then fires early and re-arms.
        if (_lockExpiries.TryPeek(out var expiry) && expiry.LockedUntil < next)
        {
            next = expiry.LockedUntil;
        }

        if (next >= _timerArmedFor)
        {
            return;
        }

        // Timers count whole milliseconds (FakeTimeProvider truncates). Round up, and never below one:
        // a due time of zero could run the callback inside Change, on this thread, under this lock.
        var due = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling((next - now).TotalMilliseconds)));
        if (due > MaxTimerDue)
        {
            due = MaxTimerDue;
        }

        _timer ??= _timeProvider.CreateTimer(
            static state => ((EmbeddedQueue)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(due, Timeout.InfiniteTimeSpan);
        _timerArmedFor = next;
    }

    private int RemoveDeadLetters(IReadOnlyCollection<string>? messageIds, bool replay)
    {
        HashSet<string>? chosen = messageIds is null ? null : new HashSet<string>(messageIds, StringComparer.Ordinal);
        ReceiveWaiter? served = null;
        var removed = 0;
        lock (_gate)
        {
            ThrowIfDisposed();
            var now = _timeProvider.GetUtcNow();
            var kept = 0;
            for (var i = 0; i < _deadLetters.Count; i++)
            {
                var deadLetter = _deadLetters[i];
                if (chosen is not null && !chosen.Contains(deadLetter.MessageId))
                {
                    _deadLetters[kept++] = deadLetter;
                    continue;
                }

                removed++;
                if (replay)
                {
                    // A fresh message with the same id and body, past duplicate detection on purpose: its id
                    // is in the history whenever it was first sent within the window, and detection would then
                    // drop the replay without a word, losing the operator's request. (On Service Bus a resend
                    // within the window is dropped that way; its adapter must resend with care.)
                    var replayed = new QueuedMessage(
                        new OutgoingMessage(deadLetter.MessageId, deadLetter.TaskId, deadLetter.TaskName, deadLetter.Priority, deadLetter.Body),
                        ++_nextSequenceNumber)
                    {
                        State = QueuedMessageState.Ready,
                        EnqueuedAt = now,
                    };
                    _ready.Enqueue(replayed);
                }
            }

            _deadLetters.RemoveRange(kept, _deadLetters.Count - kept);
            if (replay)
            {
                served = ServeWaiters(now);
            }
        }

        ReceiveWaiter.CompleteChain(served);
        return removed;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, typeof(EmbeddedBroker));
}
