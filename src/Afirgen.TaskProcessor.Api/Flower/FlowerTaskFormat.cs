using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>A task in the shape Flower's <c>/api/tasks</c> and <c>/api/task/info</c> serve it (times in Unix seconds).</summary>
internal static class FlowerTaskFormat
{
    /// <summary>
    /// The keys of a task as Flower serves it, all present (null when unknown): Celery's
    /// <c>celery.events.state.Task._fields</c>, which Flower writes with <c>Task.as_dict()</c> (its docstrings show
    /// an older, shorter list, without <c>rejected</c>, <c>root</c>, <c>root_id</c>, <c>parent</c>, <c>parent_id</c>, <c>children</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "args", "children", "client", "clock", "eta", "exception", "exchange", "expires", "failed", "kwargs", "name",
        "parent", "parent_id", "received", "rejected", "result", "retried", "retries", "revoked", "root", "root_id",
        "routing_key", "runtime", "sent", "started", "state", "succeeded", "timestamp", "traceback", "uuid", "worker",
    ];

    public static JsonObject From(TaskIndexEntry entry, TaskResultMeta? result)
    {
        var state = result is not null && TaskStates.IsTerminal(result.Status) ? result.Status : entry.State;
        return new JsonObject
        {
            // Celery's Task.as_dict serializes root and parent as their ids, children as a list of ids.
            ["children"] = new JsonArray(ChildIds(entry, result).Select(id => (JsonNode?)id).ToArray()),
            ["parent"] = entry.ParentId,
            ["parent_id"] = entry.ParentId,
            ["rejected"] = null,
            ["root"] = entry.RootId,
            ["root_id"] = entry.RootId,
            // Arguments are never shown in clear (they may hold FIR text or personal data).
            ["args"] = null,
            ["client"] = null,
            ["clock"] = entry.Timestamp.ToUnixTimeMilliseconds(),
            ["eta"] = entry.Eta?.ToString("O", CultureInfo.InvariantCulture),
            ["exception"] = entry.Exception ?? (state == TaskStates.Failure ? ExceptionRepr(result?.Result) : null),
            ["exchange"] = null,
            ["expires"] = entry.Expires?.ToString("O", CultureInfo.InvariantCulture),
            ["failed"] = Unix(entry.Failed),
            ["kwargs"] = null,
            ["name"] = entry.Name,
            ["received"] = Unix(entry.Received),
            ["result"] = state == TaskStates.Success && result is not null ? (result.Result?.ToJsonString(ApiJson.Options) ?? "None") : null,
            ["retried"] = Unix(entry.Retried),
            ["retries"] = entry.Retries,
            ["revoked"] = Unix(entry.Revoked),
            ["routing_key"] = entry.Queue,
            ["runtime"] = entry.Runtime,
            ["sent"] = Unix(entry.Sent),
            ["started"] = Unix(entry.Started),
            ["state"] = state,
            ["succeeded"] = Unix(entry.Succeeded),
            ["timestamp"] = Unix(entry.Timestamp),
            ["traceback"] = result?.Traceback,
            ["uuid"] = entry.TaskId,
            ["worker"] = entry.Worker,
        };
    }

    /// <summary>
    /// The tasks <paramref name="entry"/>'s task enqueued: those its stored result names (Celery's
    /// <c>children</c>: what its handler enqueued, started or not) and then those the index saw start with it as
    /// their parent (chain links and callbacks too, from any producer), each once.
    /// </summary>
    public static IReadOnlyList<string> ChildIds(TaskIndexEntry entry, TaskResultMeta? result)
    {
        var ids = new List<string>();
        AddResultChildren(result?.Children, ids);
        foreach (var id in entry.Children)
        {
            if (!ids.Contains(id))
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    // A result's children are Celery's tuple forms: ((id, parent), None) for a task, ((group id, None), [members]) for a group.
    private static void AddResultChildren(JsonArray? children, List<string> ids)
    {
        foreach (var child in children ?? [])
        {
            if (child is not JsonArray { Count: > 0 } tuple || tuple[0] is not JsonArray { Count: > 0 } head)
            {
                continue;
            }
            if (tuple.Count > 1 && tuple[1] is JsonArray members)
            {
                AddResultChildren(members, ids);
            }
            else if (head[0] is JsonValue v && v.TryGetValue(out string? id) && !ids.Contains(id))
            {
                ids.Add(id);
            }
        }
    }

    /// <summary>A minimal task for an id the index has lost but the result store still holds.</summary>
    public static TaskIndexEntry FromResult(TaskResultMeta result, DateTimeOffset now) => new(result.TaskId, result.Status, result.DateDone ?? now)
    {
        Name = result.Extended?.Name,
        Queue = result.Extended?.Queue,
        Worker = result.Extended?.Worker,
        Retries = result.Extended?.Retries,
    };

    /// <summary>An exception result as Python's repr, e.g. <c>ValueError('bad input')</c>.</summary>
    public static string? ExceptionRepr(JsonNode? result) =>
        result is JsonObject o && o["exc_type"] is { } type
            ? $"{type.GetValue<string>()}({PythonString(o["exc_message"])})"
            : result?.ToJsonString(ApiJson.Options);

    private static string PythonString(JsonNode? message) => message switch
    {
        JsonArray { Count: 1 } a when a[0] is JsonValue v && v.TryGetValue(out string? s) => "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'",
        JsonValue v when v.TryGetValue(out string? s) => "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'",
        null => "",
        _ => message.ToJsonString(ApiJson.Options),
    };

    private static double? Unix(DateTimeOffset? time) => time is { } t ? t.ToUnixTimeMilliseconds() / 1000.0 : null;
}
