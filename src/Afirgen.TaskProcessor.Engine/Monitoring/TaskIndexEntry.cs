using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// One task in the index, or one change to it: its state at <see cref="Timestamp"/>, and its fields (Flower's task
/// fields), each null when unknown or, in an update, unchanged. Never its arguments or result: those stay in the
/// result store. The runner's monitor builds updates (one allocation, no formatting); a store applies an update's
/// state only if it is not older than the one it holds (events from several instances may arrive out of order),
/// always merges its fields (<see cref="Then"/>), writes them (<see cref="Fields"/>) and reads them back
/// (<see cref="FromFields"/>). A new field is added here: the property, and its line in each of those three.
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="State">One of <see cref="Results.TaskStates"/>.</param>
/// <param name="Timestamp">When that state was reached.</param>
public sealed record TaskIndexEntry(string TaskId, string State, DateTimeOffset Timestamp)
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

    /// <summary>Seconds the last run took (succeeded or failed).</summary>
    public double? Runtime { get; init; }

    /// <summary>The last error as <c>Type: message</c>.</summary>
    public string? Exception { get; init; }

    /// <summary>Why it was dead-lettered or revoked (one of <see cref="Broker.DeadLetterReasons"/>, or "expired").</summary>
    public string? Reason { get; init; }

    /// <summary>The task that enqueued this one; null for a top-level task (or one not yet started, when another instance enqueued it).</summary>
    public string? ParentId { get; init; }

    /// <summary>The first task of its workflow: the task itself when it has no parent.</summary>
    public string? RootId { get; init; }

    /// <summary>
    /// The chain's links still to run after this task, as its message carried them when it started; empty when
    /// none (or, in an update, unchanged: an empty chain is not written).
    /// </summary>
    public IReadOnlyList<ChainLink> Chain { get; init; } = [];

    /// <summary>
    /// Tasks this one enqueued that have started (any instance): children, its chain's next link, callbacks.
    /// Kept beside the entry, not in it (see <see cref="IMonitoringStore"/>); empty where a store did not load them.
    /// </summary>
    public IReadOnlyList<string> Children { get; init; } = [];

    /// <summary>
    /// <paramref name="updates"/> with each task's updates merged into one (<see cref="Then"/>), in order of each task's
    /// first update: a quick task's start and end become one index write, and a store reading every entry of a
    /// batch before writing it never sees one task twice. Returns the list itself when no task repeats.
    /// </summary>
    public static IReadOnlyList<TaskIndexEntry> OnePerTask(IReadOnlyList<TaskIndexEntry> updates)
    {
        var at = new Dictionary<string, int>(updates.Count, StringComparer.Ordinal);
        List<TaskIndexEntry>? merged = null;
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
    public TaskIndexEntry Then(TaskIndexEntry next)
    {
        var (earlier, later) = next.Timestamp >= Timestamp ? (this, next) : (next, this);
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
            Chain = later.Chain.Count > 0 ? later.Chain : earlier.Chain,
        };
    }

    /// <summary>
    /// The fields this update sets, as stored (<see cref="TaskIndexFields"/>; times in Unix seconds). What a
    /// reader can infer is left out, to keep the index cheap to write: retries 0, delivery count 1, a
    /// message id equal to the task id, a receipt at the start, a root equal to the task, a runtime from start to end
    /// (<see cref="FromFields"/> fills them back in).
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

    /// <summary>Reads an entry from the field/value pairs it is stored as; null when the state is missing.</summary>
    public static TaskIndexEntry? FromFields(string taskId, IReadOnlyDictionary<string, string> f)
    {
        if (!f.TryGetValue(TaskIndexFields.State, out var state) || !f.TryGetValue(TaskIndexFields.Timestamp, out var ts))
        {
            return null;
        }
        var started = Time(f, TaskIndexFields.Started);
        var ended = Time(f, TaskIndexFields.Succeeded) ?? Time(f, TaskIndexFields.Failed) ?? Time(f, TaskIndexFields.Retried);
        var runtime = Get(f, TaskIndexFields.Runtime) is { } r ? double.Parse(r, CultureInfo.InvariantCulture) : (double?)null;
        // Left out when inferable (see Fields): filled back in here.
        return new TaskIndexEntry(taskId, state, TaskIndexFields.ParseTime(ts))
        {
            Name = Get(f, TaskIndexFields.Name),
            Queue = Get(f, TaskIndexFields.Queue),
            Priority = Int(f, TaskIndexFields.Priority),
            Worker = Get(f, TaskIndexFields.Worker),
            Retries = Int(f, TaskIndexFields.Retries) ?? (started is null ? null : 0),
            DeliveryCount = Int(f, TaskIndexFields.DeliveryCount) ?? (started is null ? null : 1),
            MessageId = Get(f, TaskIndexFields.MessageId) ?? (started is null ? null : taskId),
            Sent = Time(f, TaskIndexFields.Sent),
            Received = Time(f, TaskIndexFields.Received) ?? started,
            Started = started,
            Succeeded = Time(f, TaskIndexFields.Succeeded),
            Failed = Time(f, TaskIndexFields.Failed),
            Retried = Time(f, TaskIndexFields.Retried),
            Revoked = Time(f, TaskIndexFields.Revoked),
            Eta = Time(f, TaskIndexFields.Eta),
            Expires = Time(f, TaskIndexFields.Expires),
            Runtime = (started is { } s && ended is { } e && e >= s ? (e - s).TotalSeconds : (double?)null) ?? runtime,
            Exception = Get(f, TaskIndexFields.Exception),
            Reason = Get(f, TaskIndexFields.Reason),
            ParentId = Get(f, TaskIndexFields.ParentId),
            RootId = Get(f, TaskIndexFields.RootId) ?? taskId,
            Chain = Get(f, TaskIndexFields.Chain) is { } chain ? TaskIndexFields.ParseChain(chain) : [],
        };
    }

    private static string? Get(IReadOnlyDictionary<string, string> f, string key) => f.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private static int? Int(IReadOnlyDictionary<string, string> f, string key) =>
        Get(f, key) is { } v && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static DateTimeOffset? Time(IReadOnlyDictionary<string, string> f, string key) =>
        Get(f, key) is { } v ? TaskIndexFields.ParseTime(v) : null;
}

/// <summary>The field names a task is stored under in the index, and how times are written (Unix seconds, as Flower's API shows them).</summary>
public static class TaskIndexFields
{
    public const string State = "state";
    public const string Timestamp = "timestamp";
    public const string Name = "name";
    public const string Queue = "queue";
    public const string Priority = "priority";
    public const string Worker = "worker";
    public const string Retries = "retries";
    public const string DeliveryCount = "delivery_count";
    public const string MessageId = "message_id";
    public const string Sent = "sent";
    public const string Received = "received";
    public const string Started = "started";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Retried = "retried";
    public const string Revoked = "revoked";
    public const string Eta = "eta";
    public const string Expires = "expires";
    public const string Runtime = "runtime";
    public const string Exception = "exception";
    public const string Reason = "reason";
    public const string ParentId = "parent_id";
    public const string RootId = "root_id";
    public const string Chain = "chain";

    public static string FormatTime(DateTimeOffset time)
    {
        // Integer arithmetic: a custom double format costs more than the rest of an index update.
        var ms = time.ToUnixTimeMilliseconds();
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}.{ms % 1000:000}");
    }

    /// <summary>A chain as stored: a JSON array of <c>[task id, task name]</c> pairs.</summary>
    public static string FormatChain(IReadOnlyList<ChainLink> chain)
    {
        var array = new JsonArray();
        foreach (var link in chain)
        {
            array.Add(new JsonArray(link.TaskId, link.TaskName));
        }
        return array.ToJsonString();
    }

    public static IReadOnlyList<ChainLink> ParseChain(string json) =>
        JsonNode.Parse(json) is JsonArray links
            ? links.OfType<JsonArray>().Where(l => l.Count == 2).Select(l => new ChainLink(l[0]!.GetValue<string>(), l[1]!.GetValue<string>())).ToArray()
            : [];

    public static DateTimeOffset ParseTime(string unixSeconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(double.Parse(unixSeconds, CultureInfo.InvariantCulture) * 1000));
}
