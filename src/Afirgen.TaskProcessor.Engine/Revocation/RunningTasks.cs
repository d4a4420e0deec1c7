using System.Collections.Concurrent;

namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// The runs in progress in this process, so that a revoke with <c>terminate</c> (Celery's
/// <c>revoke(id, terminate=True)</c>) can cancel the one that runs the task.
/// </summary>
public sealed class RunningTasks
{
    // Keyed by handle, not task id: two deliveries of one task may briefly run side by side, and both must
    // be found. Terminate is rare, so it scans; register and unregister stay O(1).
    private readonly ConcurrentDictionary<RunHandle, byte> _runs = new();

    /// <summary>How many runs are in progress.</summary>
    public int Count => _runs.Count;

    /// <summary>Records a run of <paramref name="taskId"/>; unregister it when the run is over.</summary>
    public RunHandle Register(string taskId)
    {
        var handle = new RunHandle(taskId);
        _runs.TryAdd(handle, 0);
        return handle;
    }

    /// <summary>Forgets a run.</summary>
    public void Unregister(RunHandle handle) => _runs.TryRemove(handle, out _);

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

    /// <summary>Cancels every run of <paramref name="taskId"/> in this process; returns how many there were.</summary>
    public int Terminate(string taskId)
    {
        var count = 0;
        foreach (var handle in _runs.Keys)
        {
            if (string.Equals(handle.TaskId, taskId, StringComparison.Ordinal))
            {
                handle.Terminate();
                count++;
            }
        }
        return count;
    }
}

/// <summary>One run in progress: the token its handler observes, and whether it was terminated.</summary>
public sealed class RunHandle
{
    private readonly object _lock = new();
    private CancellationTokenSource? _cancellation;
    private volatile bool _terminated;

    internal RunHandle(string taskId) => TaskId = taskId;

    /// <summary>The task this run belongs to.</summary>
    public string TaskId { get; }

    /// <summary>Whether a revoke with terminate reached this run.</summary>
    public bool Terminated => _terminated;

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

    internal void Terminate()
    {
        lock (_lock)
        {
            _terminated = true;
            _cancellation?.Cancel();
        }
    }
}
