using System.Collections.Concurrent;

namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// The runs in progress in this process, so that a revoke with <c>terminate</c> (Celery's
/// <c>revoke(id, terminate=True)</c>) can cancel the one that runs the task; and the tasks already checked against
/// the result store and waiting for a handler slot, so that a revoke that comes after their check still stops them.
/// </summary>
public sealed class RunningTasks
{
    // Keyed by handle, not task id: two deliveries of one task may briefly run side by side, and both must
    // be found. Revoke and terminate are rare, so they scan; register, start and unregister stay O(1).
    private readonly ConcurrentDictionary<RunHandle, byte> _runs = new();
    private readonly ConcurrentDictionary<RunHandle, byte> _waiting = new();

    /// <summary>How many runs are in progress (not counting tasks waiting for a slot).</summary>
    public int Count => _runs.Count;

    /// <summary>How many tasks checked ahead wait for a slot.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>Records a run of <paramref name="taskId"/>; unregister it when the run is over.</summary>
    public RunHandle Register(string taskId)
    {
        var handle = new RunHandle(taskId);
        _runs.TryAdd(handle, 0);
        return handle;
    }

    /// <summary>
    /// Records a task of <paramref name="taskId"/> that waits for a slot after its check; <see cref="Start"/> it when it
    /// gets one, or unregister it.
    /// </summary>
    public RunHandle RegisterWaiting(string taskId)
    {
        var handle = new RunHandle(taskId);
        _waiting.TryAdd(handle, 0);
        return handle;
    }

    /// <summary>A waiting task got its slot: from now on it is a run in progress, which a revoke without terminate leaves alone.</summary>
    public void Start(RunHandle handle)
    {
        // Added to the runs before it leaves the waiting, so a terminate scanning both always finds it.
        _runs.TryAdd(handle, 0);
        _waiting.TryRemove(handle, out _);
    }

    /// <summary>Forgets a run, or a waiting task.</summary>
    public void Unregister(RunHandle handle)
    {
        _runs.TryRemove(handle, out _);
        _waiting.TryRemove(handle, out _);
    }

    /// <summary>Whether a run of <paramref name="taskId"/> is in progress in this process.</summary>
    public bool IsRunning(string taskId)
    {
        foreach (var handle in _runs.Keys)
        {
            if (string.Equals(handle.TaskId, taskId, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A revocation of <paramref name="taskId"/> reaching this process: every task of it waiting here for a slot will not
    /// start, and with <paramref name="terminate"/> every run of it in progress is cancelled too (without, runs go on).
    /// </summary>
    /// <returns>How many runs in progress were cancelled.</returns>
    public int Revoke(string taskId, bool terminate)
    {
        foreach (var handle in _waiting.Keys)
        {
            if (string.Equals(handle.TaskId, taskId, StringComparison.Ordinal))
            {
                handle.RevokeBeforeStart();
            }
        }
        if (!terminate)
        {
            return 0;
        }
        var cancelled = 0;
        foreach (var handle in _runs.Keys)
        {
            if (string.Equals(handle.TaskId, taskId, StringComparison.Ordinal))
            {
                handle.Terminate();
                cancelled++;
            }
        }
        return cancelled;
    }
}

/// <summary>One run in progress: the token its handler observes, and whether it was terminated.</summary>
public sealed class RunHandle
{
    private readonly object _lock = new();
    private CancellationTokenSource? _cancellation;
    private volatile bool _terminated;
    private volatile bool _revoked;

    internal RunHandle(string taskId) => TaskId = taskId;

    /// <summary>The task this run belongs to.</summary>
    public string TaskId { get; }

    /// <summary>Whether a revoke with terminate reached this run.</summary>
    public bool Terminated => _terminated;

    /// <summary>Whether a revoke reached this task while it waited for a slot (it must not start).</summary>
    public bool Revoked => _revoked || _terminated;

    /// <summary>Links the handler's token: a terminate cancels it (at once, if it came first).</summary>
    internal void Attach(CancellationTokenSource cancellation)
    {
        lock (_lock)
        {
            _cancellation = cancellation;
            if (_terminated)
            {
                cancellation.Cancel();
            }
        }
    }

    /// <summary>Unlinks the token before its owner disposes it.</summary>
    internal void Detach()
    {
        lock (_lock)
        {
            _cancellation = null;
        }
    }

    internal void RevokeBeforeStart() => _revoked = true;

    internal void Terminate()
    {
        lock (_lock)
        {
            _terminated = true;
            _cancellation?.Cancel();
        }
    }
}
