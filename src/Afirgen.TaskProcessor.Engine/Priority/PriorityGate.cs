namespace Afirgen.TaskProcessor.Engine.Priority;

/// <summary>
/// A worker instance's concurrency slots, handed out by priority. Messages the broker has already
/// handed over (up to the prefetch) wait here; when a slot frees, the highest priority waiting goes
/// next, and within a priority the message the broker enqueued first (not the one whose thread
/// happened to reach the gate first: hand-offs between threads reorder arrivals). This is what lets priority survive prefetch,
/// which Celery's prefetched tasks do not. Optional per-queue caps keep one queue from taking every slot. Queues with
/// priority lanes are served by the <see cref="LaneServing"/> rule: reserved slots for their higher lanes, and a share
/// of the shared slots kept for their lowest band.
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
    private int _reservedRunning;
    private int _waitingCount;
    private readonly LaneServing _lanes;
    // Per queue with lanes: shared slots its higher lanes took in a row while a lower lane of it waited.
    private readonly Dictionary<string, int> _higherStreak = new(StringComparer.Ordinal);

    /// <param name="concurrency">Shared slots, at least 1.</param>
    /// <param name="queueCaps">Optional caps: at most this many slots for a queue at once.</param>
    /// <param name="lanes">How to serve queues with lanes; none by default.</param>
    public PriorityGate(int concurrency, IReadOnlyDictionary<string, int>? queueCaps = null, LaneServing? lanes = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _concurrency = concurrency;
        _queueCaps = queueCaps ?? new Dictionary<string, int>();
        _lanes = lanes ?? LaneServing.None;
        ArgumentOutOfRangeException.ThrowIfNegative(_lanes.ReservedSlots);
        ArgumentOutOfRangeException.ThrowIfLessThan(_lanes.HigherLaneStreak, 1);
    }

    /// <summary>The number of shared slots (the reserved lane slots come on top: <see cref="LaneServing.ReservedSlots"/>).</summary>
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
            granted = ServeWaiters();
        }
        Grant(granted);
    }

    /// <summary>Slots in use now, reserved ones included.</summary>
    public int Running { get { lock (_lock) return _running + _reservedRunning; } }

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
        var lane = _lanes.LaneOf(queue, priority);
        Waiter waiter;
        lock (_lock)
        {
            // Every change ends by serving every waiter that can be served, so any waiter still here is
            // held back by its queue's cap; a newcomer with room may go straight in: lane work to a
            // reserved slot first, so that the shared ones stay for the rest.
            if (HasRoom(queue))
            {
                if (lane > 0 && _reservedRunning < _lanes.ReservedSlots)
                {
                    Take(queue, reserved: true);
                    return ValueTask.FromResult(new GateSlot(this, queue, reserved: true));
                }
                if (_running < _concurrency)
                {
                    CountShared(queue, lane);
                    Take(queue, reserved: false);
                    return ValueTask.FromResult(new GateSlot(this, queue, reserved: false));
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(queue, enqueuedAt, lane) { Priority = priority };
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

    internal void Release(string queue, bool reserved)
    {
        List<(Waiter Waiter, GateSlot Slot)>? granted;
        lock (_lock)
        {
            if (reserved)
            {
                _reservedRunning--;
            }
            else
            {
                _running--;
            }
            _runningByQueue[queue]--;
            granted = ServeWaiters();
        }
        Grant(granted);
    }

    // Under _lock: fills free reserved slots with lane work, then free shared slots with anything.
    private List<(Waiter Waiter, GateSlot Slot)>? ServeWaiters()
    {
        List<(Waiter Waiter, GateSlot Slot)>? granted = null;
        while (_reservedRunning < _lanes.ReservedSlots && TakeNextWaiter(laneWorkOnly: true) is { } lane)
        {
            Take(lane.Queue, reserved: true);
            (granted ??= []).Add((lane, new GateSlot(this, lane.Queue, reserved: true)));
        }
        while (_running < _concurrency && TakeNextWaiter(laneWorkOnly: false) is { } next)
        {
            CountShared(next.Queue, next.Lane);
            Take(next.Queue, reserved: false);
            (granted ??= []).Add((next, new GateSlot(this, next.Queue, reserved: false)));
        }
        return granted;
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

    private Waiter? TakeNextWaiter(bool laneWorkOnly)
    {
        var next = FindWaiter(laneWorkOnly, queue: null, belowLane: int.MaxValue);
        if (next is null)
        {
            return null;
        }
        // A queue whose higher lanes have had their streak of shared slots gives this one to its lower lanes.
        if (!laneWorkOnly && next.Lane > 0
            && _higherStreak.TryGetValue(next.Queue, out var streak) && streak >= _lanes.HigherLaneStreak
            && FindWaiter(laneWorkOnly: false, next.Queue, belowLane: next.Lane) is { } lower)
        {
            next = lower;
        }
        _waiting[next.Priority].Remove(next.Node!);
        next.Node = null;
        _waitingCount--;
        return next;
    }

    // The best waiter with room: highest priority, then oldest; optionally of one queue and below a lane.
    private Waiter? FindWaiter(bool laneWorkOnly, string? queue, int belowLane)
    {
        if (_waitingCount == 0)
        {
            return null;
        }
        for (var priority = Priorities.Highest; priority >= Priorities.Lowest; priority--)
        {
            for (var node = _waiting[priority].First; node is not null; node = node.Next)
            {
                var w = node.Value;
                if ((!laneWorkOnly || w.Lane > 0) && (queue is null || (w.Queue == queue && w.Lane < belowLane)) && HasRoom(w.Queue))
                {
                    return w;
                }
            }
        }
        return null;
    }

    // Under _lock, when a shared slot goes to a message of this queue and lane: counts the higher lanes' streak.
    private void CountShared(string queue, int lane)
    {
        if (!_lanes.LaneFloors.ContainsKey(queue))
        {
            return;
        }
        var lowerWaits = lane > 0 && FindWaiter(laneWorkOnly: false, queue, belowLane: lane) is not null;
        _higherStreak[queue] = lowerWaits ? _higherStreak.GetValueOrDefault(queue) + 1 : 0;
    }

    private bool HasRoom(string queue) =>
        !_queueCaps.TryGetValue(queue, out var cap) || !_runningByQueue.TryGetValue(queue, out var running) || running < cap;

    private void Take(string queue, bool reserved)
    {
        if (reserved)
        {
            _reservedRunning++;
        }
        else
        {
            _running++;
        }
        _runningByQueue[queue] = _runningByQueue.TryGetValue(queue, out var n) ? n + 1 : 1;
    }

    private sealed class Waiter(string queue, DateTimeOffset enqueuedAt, int lane) : TaskCompletionSource<GateSlot>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Queue { get; } = queue;
        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;
        public int Lane { get; } = lane;
        public int Priority { get; init; }
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }
}

/// <summary>A slot in the <see cref="PriorityGate"/>; disposing it frees the slot (once).</summary>
public sealed class GateSlot : IDisposable
{
    private PriorityGate? _gate;
    private readonly string _queue;
    private readonly bool _reserved;

    internal GateSlot(PriorityGate gate, string queue, bool reserved)
    {
        _gate = gate;
        _queue = queue;
        _reserved = reserved;
    }

    /// <summary>True when this is one of the slots reserved for lane work.</summary>
    public bool IsReserved => _reserved;

    public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release(_queue, _reserved);
}
