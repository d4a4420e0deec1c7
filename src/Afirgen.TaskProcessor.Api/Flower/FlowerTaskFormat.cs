using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>A task in the shape Flower's <c>/api/tasks</c> and <c>/api/task/info</c> serve it (times in Unix seconds).</summary>
internal static class FlowerTaskFormat
{
    /// <summary>The keys of a task in Flower's documented <c>GET /api/tasks</c> response, all present (null when unknown).</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "args", "client", "clock", "eta", "exception", "exchange", "expires", "failed", "kwargs", "name", "received",
        "result", "retried", "retries", "revoked", "routing_key", "runtime", "sent", "started", "state", "succeeded",
        "timestamp", "traceback", "uuid", "worker",
    ];

    public static JsonObject From(TaskIndexEntry entry, TaskResultMeta? result)
    {
        var state = result is not null && TaskStates.IsTerminal(result.Status) ? result.Status : entry.State;
        return new JsonObject
        {
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
            ["result"] = state == TaskStates.Success && result is not null ? (result.Result?.ToJsonString() ?? "None") : null,
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

    /// <summary>A minimal task for an id the index has lost but the result store still holds.</summary>
    public static TaskIndexEntry FromResult(TaskResultMeta result, DateTimeOffset now) => new()
    {
        TaskId = result.TaskId,
        State = result.Status,
        Timestamp = result.DateDone ?? now,
        Name = result.Extended?.Name,
        Queue = result.Extended?.Queue,
        Worker = result.Extended?.Worker,
        Retries = result.Extended?.Retries,
    };

    /// <summary>An exception result as Python's repr, e.g. <c>ValueError('bad input')</c>.</summary>
    public static string? ExceptionRepr(JsonNode? result) =>
        result is JsonObject o && o["exc_type"] is { } type
            ? $"{type.GetValue<string>()}({PythonString(o["exc_message"])})"
            : result?.ToJsonString();

    private static string PythonString(JsonNode? message) => message switch
    {
        JsonArray { Count: 1 } a when a[0] is JsonValue v && v.TryGetValue(out string? s) => "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'",
        JsonValue v when v.TryGetValue(out string? s) => "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'",
        null => "",
        _ => message.ToJsonString(),
    };

    private static double? Unix(DateTimeOffset? time) => time is { } t ? t.ToUnixTimeMilliseconds() / 1000.0 : null;
}
