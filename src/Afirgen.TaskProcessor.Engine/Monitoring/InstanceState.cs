namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// What one worker instance reports in each heartbeat: who it is, what it consumes, what it runs now and
/// its counters since it started. Never task arguments.
/// </summary>
public sealed record InstanceState
{
    /// <summary>The worker's name, Celery style (<c>name@host</c>).</summary>
    public required string Name { get; init; }
    public required string Hostname { get; init; }
    public required int ProcessId { get; init; }
    /// <summary>The engine's version.</summary>
    public required string Version { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset HeartbeatAt { get; init; }
    /// <summary>After this long without a heartbeat the instance counts as gone.</summary>
    public required TimeSpan HeartbeatExpiry { get; init; }
    /// <summary>The broker's lock duration: how long a gone instance's tasks wait before redelivery.</summary>
    public required TimeSpan LockDuration { get; init; }
    public required IReadOnlyList<string> Queues { get; init; }
    public required int Concurrency { get; init; }
    public required int PrefetchCount { get; init; }
    public required IReadOnlyList<ActiveTask> Active { get; init; }
    /// <summary>Messages received and waiting for a free slot (Celery's reserved); empty where the broker pushes.</summary>
    public required IReadOnlyList<ReservedMessage> Reserved { get; init; }
    /// <summary>Counters per task name since the instance started.</summary>
    public required IReadOnlyDictionary<string, TaskCounters> Counters { get; init; }
    /// <summary>Task events not written to the index because the writer could not keep up.</summary>
    public long DroppedEvents { get; init; }

    /// <summary>Whether the instance has sent a heartbeat within its expiry.</summary>
    public bool IsAliveAt(DateTimeOffset now) => now - HeartbeatAt <= HeartbeatExpiry;
}

/// <summary>A task an instance is running.</summary>
public sealed record ActiveTask(
    string TaskId, string Name, string Queue, int Priority, int Retries, int DeliveryCount, string MessageId,
    DateTimeOffset ReceivedAt, DateTimeOffset StartedAt);

/// <summary>
/// A message an instance holds (prefetched) and has not started; its task id, name and priority when its body
/// parses (heartbeats written before these were added have none).
/// </summary>
public sealed record ReservedMessage(
    string Queue, string MessageId, DateTimeOffset ReceivedAt, string? TaskId = null, string? Name = null, int? Priority = null, int DeliveryCount = 1);

/// <summary>What happened to one task name on one instance since it started.</summary>
/// <remarks><c>Revoked</c> counts runs this instance did not run (or stopped) because the task was revoked or had expired.</remarks>
public sealed record TaskCounters(long Received, long Succeeded, long Failed, long Retried, long DeadLettered, long Revoked = 0);

/// <summary>Finished tasks in one <see cref="Width"/> of time, across every instance.</summary>
public sealed record ThroughputBucket(DateTimeOffset Start, long Succeeded, long Failed, long Retried)
{
    public static readonly TimeSpan Width = TimeSpan.FromSeconds(10);

    public static long NumberOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / (long)Width.TotalSeconds;

    public static DateTimeOffset StartOf(long number) => DateTimeOffset.FromUnixTimeSeconds(number * (long)Width.TotalSeconds);
}

/// <summary>
/// The shared monitoring state: instance heartbeats, the task index and throughput. Redis when results
/// are in Redis (every instance sees every other), in memory otherwise (one instance).
/// </summary>
public interface IMonitoringStore
{
    /// <summary>Writes the instance's heartbeat, kept for <paramref name="keep"/> (long enough to show its tasks as lost if it dies).</summary>
    Task PublishInstanceAsync(InstanceState state, TimeSpan keep, CancellationToken cancellationToken);

    /// <summary>Removes the instance (a clean stop: its tasks were finished or handed back).</summary>
    Task RemoveInstanceAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every instance whose heartbeat is still kept, alive or recently gone, by name.</summary>
    Task<IReadOnlyList<InstanceState>> GetInstancesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies task events, in order, counts finished tasks into throughput buckets, and records each task
    /// that names a parent among that parent's children.
    /// </summary>
    Task WriteTaskUpdatesAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellationToken);

    /// <summary>Tasks matching <paramref name="query"/>, newest first unless it sorts, each with its started children.</summary>
    Task<IReadOnlyList<TaskIndexEntry>> QueryTasksAsync(TaskQuery query, CancellationToken cancellationToken);

    /// <summary>One task with its started children, or null when the index does not hold it (never seen, or expired).</summary>
    Task<TaskIndexEntry?> GetTaskAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// How many indexed tasks are in each state (PENDING, STARTED, RETRY, SUCCESS, FAILURE, REVOKED: the states the
    /// index keeps), every state present, zero included.
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> CountTasksByStateAsync(CancellationToken cancellationToken);

    /// <summary>Throughput buckets from <paramref name="since"/> until now, oldest first, empty buckets included.</summary>
    Task<IReadOnlyList<ThroughputBucket>> GetThroughputAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Drops index entries older than the result expiry and beyond the size cap, oldest first, a bounded batch
    /// per call; true when more are left to drop (call again).
    /// </summary>
    Task<bool> TrimAsync(CancellationToken cancellationToken);
}
