using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// One task as the index knows it: its current state and when it reached each stage (Flower's task
/// fields). Never its arguments or result: those stay in the result store.
/// </summary>
public sealed record TaskIndexEntry
{
    public required string TaskId { get; init; }

    /// <summary>One of <see cref="Results.TaskStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>When the latest state was reached.</summary>
    public required DateTimeOffset Timestamp { get; init; }

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

    /// <summary>The chain's links still to run after this task, as its message carried them when it started.</summary>
    public IReadOnlyList<ChainLink> Chain { get; init; } = [];

    /// <summary>
    /// Tasks this one enqueued that have started (any instance): children, its chain's next link, callbacks.
    /// Kept beside the entry, not in it (see <see cref="IMonitoringStore"/>); empty where a store did not load them.
    /// </summary>
    public IReadOnlyList<string> Children { get; init; } = [];

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
        // Left out when inferable (see TaskIndexUpdate.Fields): filled back in here.
        return new TaskIndexEntry
        {
            TaskId = taskId,
            State = state,
            Timestamp = TaskIndexFields.ParseTime(ts),
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
