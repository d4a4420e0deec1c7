namespace Afirgen.TaskProcessor.Engine.Priority;

/// <summary>
/// A worker instance's concurrency slots, handed out by priority. Messages the broker has already
/// handed over (up to the prefetch) wait here; when a slot frees, the highest priority waiting goes
/// next, and within a priority the message the broker enqueued first (not the one whose thread
/// happened to reach the gate first: hand-offs between threads reorder arrivals). This is what lets priority survive prefetch,
/// which Celery's prefetched tasks do not. Optional per-queue caps keep one queue from taking every slot.
/// </summary>
public sealed class PriorityGate
{
    private readonly object _lock = new();
    private int _concurrency;
    private readonly IReadOnlyDictionary<string, int> _queueCaps;
    private readonly Dictionary<string, int> _runningByQueue = new(StringComparer.Ordinal);
    // One FIFO list per priority; index = priority (1..10).
    private readonly LinkedList<Waiter>[] _waiting = Enumerable.Range(0, Priorities.Highest + 1).Select(_ => new LinkedList<Waiter>()).ToArray();
    private int _running;
    private int _waitingCount;

    /// <param name="concurrency">Slots, at least 1.</param>
    /// <param name="queueCaps">Optional caps: at most this many slots for a queue at once.</param>
    public PriorityGate(int concurrency, IReadOnlyDictionary<string, int>? queueCaps = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _concurrency = concurrency;
        _queueCaps = queueCaps ?? new Dictionary<string, int>();
    }

    /// <summary>The number of slots.</summary>
    public int Concurrency { get { lock (_lock) return _concurrency; } }

    /// <summary>
    /// Changes the number of slots (Celery's <c>pool_grow</c>, <c>pool_shrink</c>, <c>autoscale</c>). More slots admit
    /// waiting messages at once; fewer let the tasks running now finish and admit no more until below the new number.
    /// </summary>
    public void Resize(int concurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        List<(Waiter Waiter, GateSlot Slot)>? granted = null;
        lock (_lock)
        {
            _concurrency = concurrency;
            while (_running < _concurrency && TakeNextWaiter() is { } next)
            {
                (granted ??= []).Add((next, new GateSlot(this, next.Queue)));
            }
        }
        Grant(granted);
    }

    /// <summary>Slots in use now.</summary>
    public int Running { get { lock (_lock) return _running; } }

    /// <summary>Messages waiting for a slot now.</summary>
    public int Waiting { get { lock (_lock) return _waitingCount; } }

    /// <summary>Waits for a slot; within a priority, in the order of arrival at the gate.</summary>
    public ValueTask<GateSlot> EnterAsync(int priority, string queue, CancellationToken cancellationToken) =>
        EnterAsync(priority, queue, DateTimeOffset.MaxValue, cancellationToken);

    /// <summary>
    /// Waits for a slot for a message of <paramref name="priority"/> from <paramref name="queue"/> that the
    /// broker enqueued at <paramref name="enqueuedAt"/> (older goes first within a priority; ties keep
    /// their arrival order). Dispose the returned slot to free it. Cancelling the token gives up the place.
    /// </summary>
    public ValueTask<GateSlot> EnterAsync(int priority, string queue, DateTimeOffset enqueuedAt, CancellationToken cancellationToken)
    {
        priority = Math.Clamp(priority, Priorities.Lowest, Priorities.Highest);
        Waiter waiter;
        lock (_lock)
        {
            // Every change ends by serving every waiter that can be served, so any waiter still here is
            // held back by its queue's cap; a newcomer with room may go straight in.
            if (_running < _concurrency && HasRoom(queue))
            {
                Take(queue);
                return ValueTask.FromResult(new GateSlot(this, queue));
            }
            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(queue, enqueuedAt);
            waiter.Node = InsertInOrder(_waiting[priority], waiter);
            _waitingCount++;
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (gate, w) = ((PriorityGate, Waiter))state!;
                gate.Cancel(w, token);
            }, (this, waiter));
        }
        return new ValueTask<GateSlot>(waiter.Task);
    }

    private static LinkedListNode<Waiter> InsertInOrder(LinkedList<Waiter> list, Waiter waiter)
    {
        // Usually the newest message: walk back from the tail only past waiters enqueued later.
        var after = list.Last;
        while (after is not null && after.Value.EnqueuedAt > waiter.EnqueuedAt)
        {
            after = after.Previous;
        }
        return after is null ? list.AddFirst(waiter) : list.AddAfter(after, waiter);
    }

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return; // already given a slot
            }
            waiter.Node.List.Remove(waiter.Node);
            waiter.Node = null;
            _waitingCount--;
        }
        waiter.TrySetCanceled(token);
    }

    internal void Release(string queue)
    {
        List<(Waiter Waiter, GateSlot Slot)>? granted = null;
        lock (_lock)
        {
            _running--;
            _runningByQueue[queue]--;
            while (_running < _concurrency && TakeNextWaiter() is { } next)
            {
                (granted ??= []).Add((next, new GateSlot(this, next.Queue)));
            }
        }
        Grant(granted);
    }

    private static void Grant(List<(Waiter Waiter, GateSlot Slot)>? granted)
    {
        if (granted is null)
        {
            return;
        }
        foreach (var (waiter, slot) in granted)
        {
            waiter.Registration.Dispose();
            if (!waiter.TrySetResult(slot))
            {
                slot.Dispose();
            }
        }
    }

    private Waiter? TakeNextWaiter()
    {
        if (_waitingCount == 0)
        {
            return null;
        }
        for (var priority = Priorities.Highest; priority >= Priorities.Lowest; priority--)
        {
            for (var node = _waiting[priority].First; node is not null; node = node.Next)
            {
                if (HasRoom(node.Value.Queue))
                {
                    _waiting[priority].Remove(node);
                    node.Value.Node = null;
                    _waitingCount--;
                    Take(node.Value.Queue);
                    return node.Value;
                }
            }
        }
        return null;
    }

    private bool HasRoom(string queue) =>
        !_queueCaps.TryGetValue(queue, out var cap) || !_runningByQueue.TryGetValue(queue, out var running) || running < cap;

    private void Take(string queue)
    {
        _running++;
        _runningByQueue[queue] = _runningByQueue.TryGetValue(queue, out var n) ? n + 1 : 1;
    }

    private sealed class Waiter(string queue, DateTimeOffset enqueuedAt) : TaskCompletionSource<GateSlot>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Queue { get; } = queue;
        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }
}

/// <summary>A slot in the <see cref="PriorityGate"/>; disposing it frees the slot (once).</summary>
public sealed class GateSlot : IDisposable
{
    private PriorityGate? _gate;
    private readonly string _queue;

    internal GateSlot(PriorityGate gate, string queue)
    {
        _gate = gate;
        _queue = queue;
    }

    public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release(_queue);
}
