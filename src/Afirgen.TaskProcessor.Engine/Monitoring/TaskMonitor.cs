using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// This instance's live view of its tasks, fed by the runner: what runs now, counters per task name, and
/// task events queued for the index. Every call returns at once: events go into a bounded queue that
/// <see cref="MonitoringService"/> drains in batches; when it is full they are dropped and counted,
/// never waited for.
/// </summary>
public sealed class TaskMonitor : ITaskObserver
{
    private readonly ConcurrentDictionary<string, ActiveTask> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MutableCounters> _counters = new(StringComparer.Ordinal);
    // Not a channel: a bounded channel's writer lock is taken by every task, and contended (the same finding
    // as the result batcher's). A lock-free queue with an approximate bound does the job.
    private readonly ConcurrentQueue<TaskIndexEntry> _events = new();
    private readonly int _maxPending;
    private readonly bool _taskEvents;
    private int _pending;
    private readonly TimeProvider _time;
    private readonly string _worker;
    private long _dropped;
    private long _version;

    public TaskMonitor(TimeProvider time, WorkerIdentity worker, IOptions<MonitoringOptions> options)
    {
        _time = time;
        _worker = worker.Name;
        _maxPending = Math.Max(16, options.Value.MaxPendingEvents);
        _taskEvents = options.Value.TaskEvents;
    }

    /// <summary>Takes the next task event waiting to be written (<see cref="MonitoringService"/> only).</summary>
    internal bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskIndexEntry? update)
    {
        if (_events.TryDequeue(out update))
        {
            Interlocked.Decrement(ref _pending);
            return true;
        }
        return false;
    }

    private void Enqueue(TaskIndexEntry update)
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _events.Enqueue(update);
    }

    /// <summary>Task events queued for the index now.</summary>
    internal int PendingEvents => Volatile.Read(ref _pending);

    /// <summary>Events dropped because the writer could not keep up.</summary>
    public long DroppedEvents => Interlocked.Read(ref _dropped);

    /// <summary>Changes whenever a task starts or finishes here, so the heartbeat can be sent early.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The tasks running on this instance now, oldest first.</summary>
    public IReadOnlyList<ActiveTask> Active => _active.Values.OrderBy(t => t.StartedAt).ToArray();

    /// <summary>Counters per task name since this instance started.</summary>
    public IReadOnlyDictionary<string, TaskCounters> Counters =>
        _counters.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal);

    /// <summary>Records a task enqueued through this instance (PENDING, with its ETA and expiry).</summary>
    public void Sent(PublishedTask task)
    {
        if (!_taskEvents)
        {
            return;
        }
        var now = _time.GetUtcNow();
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Pending, now)
        {
            Sent = now, Name = task.TaskName, Queue = task.Queue, Priority = task.Priority, Eta = task.Eta, Expires = task.Expires,
        });
    }

    public void OnSent(PublishedTask task) => Sent(task);

    public void OnStarted(TaskEvent task)
    {
        var now = _time.GetUtcNow();
        _active[task.MessageId] = new ActiveTask(task.TaskId, task.TaskName, task.Queue, task.Priority, task.Retries, task.DeliveryCount, task.MessageId, task.ReceivedAt, now);
        Interlocked.Increment(ref _version);
        Interlocked.Increment(ref CountersOf(task.TaskName).Received);
        if (!_taskEvents)
        {
            return;
        }
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Started, now)
        {
            Received = task.ReceivedAt, Started = now, Name = task.TaskName, Queue = task.Queue, Priority = task.Priority,
            Worker = _worker, Retries = task.Retries, DeliveryCount = task.DeliveryCount, MessageId = task.MessageId,
            ParentId = task.ParentId, RootId = task.RootId, Chain = task.Chain,
        });
    }

    public void OnSucceeded(TaskEvent task, JsonNode? result)
    {
        var now = _time.GetUtcNow();
        Interlocked.Increment(ref CountersOf(task.TaskName).Succeeded);
        if (!_taskEvents)
        {
            return;
        }
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Success, now) { Succeeded = now, Runtime = Runtime(task, now) });
    }

    public void OnRetryScheduled(TaskEvent task, int retryNumber, string errorText, DateTimeOffset eta)
    {
        var now = _time.GetUtcNow();
        Interlocked.Increment(ref CountersOf(task.TaskName).Retried);
        if (!_taskEvents)
        {
            return;
        }
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Retry, now)
        {
            Retried = now, Runtime = Runtime(task, now), Exception = errorText, Eta = eta, Retries = retryNumber,
        });
    }

    public void OnFailed(TaskEvent task, string reason, string errorText)
    {
        var now = _time.GetUtcNow();
        var counters = CountersOf(task.TaskName);
        Interlocked.Increment(ref counters.Failed);
        // The runner dead-letters every message whose task failed for good.
        Interlocked.Increment(ref counters.DeadLettered);
        if (!_taskEvents)
        {
            return;
        }
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Failure, now)
        {
            Failed = now, Runtime = Runtime(task, now), Exception = errorText, Reason = reason,
        });
    }

    public void OnRevoked(TaskEvent task, string reason)
    {
        Interlocked.Increment(ref CountersOf(task.TaskName).Revoked);
        if (!_taskEvents)
        {
            return;
        }
        var now = _time.GetUtcNow();
        Enqueue(new TaskIndexEntry(task.TaskId, TaskStates.Revoked, now)
        {
            Revoked = now, Name = task.TaskName, Queue = task.Queue, Worker = _worker, Reason = reason,
            ParentId = task.ParentId, RootId = task.RootId,
        });
    }

    public void OnFinished(TaskEvent task)
    {
        _active.TryRemove(task.MessageId, out _);
        Interlocked.Increment(ref _version);
    }

    private double Runtime(TaskEvent task, DateTimeOffset now) =>
        _active.TryGetValue(task.MessageId, out var active) ? (now - active.StartedAt).TotalSeconds : 0;

    private MutableCounters CountersOf(string taskName) => _counters.GetOrAdd(taskName, static _ => new MutableCounters());

    private sealed class MutableCounters
    {
        public long Received;
        public long Succeeded;
        public long Failed;
        public long Retried;
        public long DeadLettered;
        public long Revoked;

        public TaskCounters Snapshot() => new(
            Interlocked.Read(ref Received), Interlocked.Read(ref Succeeded), Interlocked.Read(ref Failed),
            Interlocked.Read(ref Retried), Interlocked.Read(ref DeadLettered), Interlocked.Read(ref Revoked));
    }
}
