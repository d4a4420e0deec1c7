using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// One change to a task in the index: its new state at <see cref="At"/>, and the fields that change with
/// it (null: unchanged). A store applies the state only if it is not older than the one it holds (events
/// from several instances may arrive out of order), and always merges the fields. Built on the runner's
/// path, so it is one allocation and no formatting; the writer formats.
/// </summary>
public sealed record TaskIndexUpdate(string TaskId, string State, DateTimeOffset At)
{
    public string? Name { get; init; }
    public string? Queue { get; init; }
    public int? Priority { get; init; }
    public string? Worker { get; init; }
    public int? Retries { get; init; }
    public int? DeliveryCount { get; init; }
    public string? MessageId { get; init; }
    public DateTimeOffset? Sent { get; init; }
    public DateTimeOffset? Received { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Succeeded { get; init; }
    public DateTimeOffset? Failed { get; init; }
    public DateTimeOffset? Retried { get; init; }
    public DateTimeOffset? Revoked { get; init; }
    public DateTimeOffset? Eta { get; init; }
    public DateTimeOffset? Expires { get; init; }
    public double? Runtime { get; init; }
    public string? Exception { get; init; }
    public string? Reason { get; init; }
    public string? ParentId { get; init; }
    public string? RootId { get; init; }

    /// <summary>The chain's links still to run; null: unchanged (an empty chain is not written).</summary>
    public IReadOnlyList<ChainLink>? Chain { get; init; }

    /// <summary>
    /// <paramref name="updates"/> with each task's updates merged into one (<see cref="Then"/>), in order of each task's
    /// first update: a quick task's start and end become one index write, and a store reading every entry of a
    /// batch before writing it never sees one task twice. Returns the list itself when no task repeats.
    /// </summary>
    public static IReadOnlyList<TaskIndexUpdate> OnePerTask(IReadOnlyList<TaskIndexUpdate> updates)
    {
        var at = new Dictionary<string, int>(updates.Count, StringComparer.Ordinal);
        List<TaskIndexUpdate>? merged = null;
        for (var i = 0; i < updates.Count; i++)
        {
            var update = updates[i];
            if (at.TryGetValue(update.TaskId, out var first))
            {
                merged ??= [.. updates.Take(i)];
                merged[first] = merged[first].Then(update);
            }
            else
            {
                at[update.TaskId] = merged?.Count ?? i;
                merged?.Add(update);
            }
        }
        return merged ?? updates;
    }

    /// <summary>This update followed by <paramref name="next"/> (same task): fields of the later win, and the later state.</summary>
    public TaskIndexUpdate Then(TaskIndexUpdate next)
    {
        var (earlier, later) = next.At >= At ? (this, next) : (next, this);
        return later with
        {
            Name = later.Name ?? earlier.Name,
            Queue = later.Queue ?? earlier.Queue,
            Priority = later.Priority ?? earlier.Priority,
            Worker = later.Worker ?? earlier.Worker,
            Retries = later.Retries ?? earlier.Retries,
            DeliveryCount = later.DeliveryCount ?? earlier.DeliveryCount,
            MessageId = later.MessageId ?? earlier.MessageId,
            Sent = later.Sent ?? earlier.Sent,
            Received = later.Received ?? earlier.Received,
            Started = later.Started ?? earlier.Started,
            Succeeded = later.Succeeded ?? earlier.Succeeded,
            Failed = later.Failed ?? earlier.Failed,
            Retried = later.Retried ?? earlier.Retried,
            Revoked = later.Revoked ?? earlier.Revoked,
            Eta = later.Eta ?? earlier.Eta,
            Expires = later.Expires ?? earlier.Expires,
            Runtime = later.Runtime ?? earlier.Runtime,
            Exception = later.Exception ?? earlier.Exception,
            Reason = later.Reason ?? earlier.Reason,
            ParentId = later.ParentId ?? earlier.ParentId,
            RootId = later.RootId ?? earlier.RootId,
            Chain = later.Chain ?? earlier.Chain,
        };
    }

    /// <summary>
    /// The fields this update sets, as stored (<see cref="TaskIndexFields"/>; times in Unix seconds). What a
    /// reader can infer is left out, to keep the index cheap to write: retries 0, delivery count 1, a
    /// message id equal to the task id, a receipt at the start, a root equal to the task, a runtime from start to end
    /// (<see cref="TaskIndexEntry.FromFields"/> fills them back in).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> Fields()
    {
        static KeyValuePair<string, string> T(string key, DateTimeOffset value) => new(key, TaskIndexFields.FormatTime(value));
        static KeyValuePair<string, string> I(string key, int value) => new(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Name is not null) yield return new(TaskIndexFields.Name, Name);
        if (Queue is not null) yield return new(TaskIndexFields.Queue, Queue);
        if (Priority is { } priority) yield return I(TaskIndexFields.Priority, priority);
        if (Worker is not null) yield return new(TaskIndexFields.Worker, Worker);
        if (Retries is { } retries && (retries != 0 || Started is null)) yield return I(TaskIndexFields.Retries, retries);
        if (DeliveryCount is { } deliveries && deliveries != 1) yield return I(TaskIndexFields.DeliveryCount, deliveries);
        if (MessageId is not null && MessageId != TaskId) yield return new(TaskIndexFields.MessageId, MessageId);
        if (Sent is { } sent) yield return T(TaskIndexFields.Sent, sent);
        if (Received is { } received && (Started is not { } s || (s - received).Duration() >= TimeSpan.FromMilliseconds(1))) yield return T(TaskIndexFields.Received, received);
        if (Started is { } started) yield return T(TaskIndexFields.Started, started);
        if (Succeeded is { } succeeded) yield return T(TaskIndexFields.Succeeded, succeeded);
        if (Failed is { } failed) yield return T(TaskIndexFields.Failed, failed);
        if (Retried is { } retried) yield return T(TaskIndexFields.Retried, retried);
        if (Revoked is { } revoked) yield return T(TaskIndexFields.Revoked, revoked);
        if (Eta is { } eta) yield return T(TaskIndexFields.Eta, eta);
        if (Expires is { } expires) yield return T(TaskIndexFields.Expires, expires);
        if (Runtime is { } runtime && Started is null) yield return new(TaskIndexFields.Runtime, runtime.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture));
        if (Exception is not null) yield return new(TaskIndexFields.Exception, Exception);
        if (Reason is not null) yield return new(TaskIndexFields.Reason, Reason);
        // Lineage costs nothing for a top-level task: no parent, a root equal to itself, no chain.
        if (ParentId is not null) yield return new(TaskIndexFields.ParentId, ParentId);
        if (RootId is not null && RootId != TaskId) yield return new(TaskIndexFields.RootId, RootId);
        if (Chain is { Count: > 0 } chain) yield return new(TaskIndexFields.Chain, TaskIndexFields.FormatChain(chain));
    }
}

/// <summary>A filter over the task index, Flower's <c>/api/tasks</c> parameters.</summary>
public sealed record TaskQuery
{
    /// <summary>One of <see cref="Results.TaskStates"/>, as stored (upper case): the store reads that state's own list.</summary>
    public string? State { get; init; }

    /// <summary>Exact task name, ignoring case (as Flower compares).</summary>
    public string? TaskName { get; init; }

    /// <summary>Exact worker name, ignoring case.</summary>
    public string? Worker { get; init; }

    /// <summary>
    /// Received (or started) at or after / at or before these times. As in Flower, a task without that time
    /// (not received yet, never started) is not filtered out by it.
    /// </summary>
    public DateTimeOffset? ReceivedFrom { get; init; }
    public DateTimeOffset? ReceivedTo { get; init; }
    public DateTimeOffset? StartedFrom { get; init; }
    public DateTimeOffset? StartedTo { get; init; }

    /// <summary>A further condition on each entry (Flower's <c>search</c>, parsed by the API).</summary>
    public Func<TaskIndexEntry, bool>? Where { get; init; }

    public int Limit { get; init; } = 100;
    public int Offset { get; init; }

    /// <summary>name, state, received or started; a leading '-' sorts descending. Null: newest first.</summary>
    public string? SortBy { get; init; }

    public static readonly IReadOnlySet<string> SortKeys = new HashSet<string>(StringComparer.Ordinal) { "name", "state", "received", "started" };

    /// <summary>Whether anything beyond the state filter narrows the listing (a store's quick path serves only the state).</summary>
    public bool FiltersEntries =>
        TaskName is not null || Worker is not null || ReceivedFrom is not null || ReceivedTo is not null ||
        StartedFrom is not null || StartedTo is not null || Where is not null;

    /// <summary>Whether <paramref name="entry"/> passes every filter.</summary>
    public bool Matches(TaskIndexEntry entry) =>
        (TaskName is null || string.Equals(entry.Name, TaskName, StringComparison.OrdinalIgnoreCase)) &&
        (Worker is null || string.Equals(entry.Worker, Worker, StringComparison.OrdinalIgnoreCase)) &&
        (State is null || string.Equals(entry.State, State, StringComparison.OrdinalIgnoreCase)) &&
        Within(entry.Received, ReceivedFrom, ReceivedTo) &&
        Within(entry.Started, StartedFrom, StartedTo) &&
        (Where is null || Where(entry));

    private static bool Within(DateTimeOffset? time, DateTimeOffset? from, DateTimeOffset? to) =>
        time is not { } t || ((from is null || t >= from) && (to is null || t <= to));

    /// <summary>Sorts (when asked) and pages entries already filtered and ordered newest first.</summary>
    public IReadOnlyList<TaskIndexEntry> Page(IEnumerable<TaskIndexEntry> newestFirst)
    {
        var items = newestFirst;
        if (SortBy is { } sort)
        {
            var descending = sort.StartsWith('-');
            Func<TaskIndexEntry, IComparable?> key = sort.TrimStart('-') switch
            {
                "name" => e => e.Name,
                "state" => e => e.State,
                "received" => e => e.Received,
                _ => e => e.Started,
            };
            items = descending ? items.OrderByDescending(key) : items.OrderBy(key);
        }
        return items.Skip(Math.Max(0, Offset)).Take(Math.Max(0, Limit)).ToArray();
    }
}
