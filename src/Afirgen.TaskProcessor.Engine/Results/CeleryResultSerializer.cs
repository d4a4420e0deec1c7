using Afirgen.TaskProcessor.Engine.Json;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>Reads and writes results in Celery's Redis result-backend JSON.</summary>
public static class CeleryResultSerializer
{
    /// <summary>Celery's result key for a task id.</summary>
    public static string KeyFor(string taskId) => KeyPrefix + taskId;

    /// <summary>What every result key starts with before the task id (Celery's <c>get_key_for_task</c>).</summary>
    public const string KeyPrefix = "celery-task-meta-";

    public static byte[] Serialize(TaskResultMeta meta)
    {
        using var pooled = PooledJsonWriter.Rent();
        var writer = pooled.Writer;
        writer.WriteStartObject();
        writer.WriteString("status", meta.Status);
        writer.WritePropertyName("result");
        WriteNode(writer, meta.Result);
        if (meta.Traceback is null) writer.WriteNull("traceback"); else writer.WriteString("traceback", meta.Traceback);
        writer.WritePropertyName("children");
        WriteNode(writer, meta.Children);
        if (meta.DateDone is { } done)
        {
            // Celery writes a naive UTC isoformat with microseconds. Formatted in place: every result has one.
            Span<char> text = stackalloc char[32];
            done.UtcDateTime.TryFormat(text, out var length, "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            writer.WriteString("date_done", text[..length]);
        }
        else
        {
            writer.WriteNull("date_done");
        }
        writer.WriteString("task_id", meta.TaskId);
        if (meta.Extended is { } ext)
        {
            writer.WriteString("name", ext.Name);
            writer.WritePropertyName("args");
            ext.Args.WriteTo(writer);
            writer.WritePropertyName("kwargs");
            ext.Kwargs.WriteTo(writer);
            if (ext.Worker is null) writer.WriteNull("worker"); else writer.WriteString("worker", ext.Worker);
            writer.WriteNumber("retries", ext.Retries);
            if (ext.Queue is null) writer.WriteNull("queue"); else writer.WriteString("queue", ext.Queue);
        }
        writer.WriteEndObject();
        return pooled.ToArray();
    }

    /// <summary>Reads a stored result; null when the value is not a Celery result (written by something else).</summary>
    public static TaskResultMeta? Deserialize(ReadOnlySpan<byte> json)
    {
        JsonObject? obj;
        try
        {
            obj = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (obj?["status"] is not JsonValue s || !s.TryGetValue(out string? status) || obj["task_id"] is not JsonValue t || !t.TryGetValue(out string? taskId))
        {
            return null;
        }

        DateTimeOffset? done = null;
        if (obj["date_done"] is JsonValue d && d.TryGetValue(out string? doneText)
            && DateTimeOffset.TryParse(doneText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            done = parsed;
        }

        ExtendedResultFields? extended = null;
        if (obj["name"] is JsonValue n && n.TryGetValue(out string? name))
        {
            extended = new ExtendedResultFields(
                name,
                obj["args"] as JsonArray is { } a ? (JsonArray)a.DeepClone() : [],
                obj["kwargs"] as JsonObject is { } k ? (JsonObject)k.DeepClone() : [],
                obj["worker"] is JsonValue w && w.TryGetValue(out string? worker) ? worker : null,
                obj["retries"] is JsonValue r && r.TryGetValue(out int retries) ? retries : 0,
                obj["queue"] is JsonValue q && q.TryGetValue(out string? queue) ? queue : null);
        }

        return new TaskResultMeta
        {
            TaskId = taskId,
            Status = status,
            Result = obj["result"]?.DeepClone(),
            Traceback = obj["traceback"] is JsonValue tb && tb.TryGetValue(out string? traceback) ? traceback : null,
            Children = obj["children"] as JsonArray is { } c ? (JsonArray)c.DeepClone() : null,
            DateDone = done,
            Extended = extended,
        };
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null) writer.WriteNullValue(); else node.WriteTo(writer);
    }
}
