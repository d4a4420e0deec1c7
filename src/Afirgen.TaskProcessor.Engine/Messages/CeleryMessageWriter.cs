using Afirgen.TaskProcessor.Engine.Json;
using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// Writes a <see cref="TaskMessage"/> as Celery message protocol v2 in kombu's JSON envelope, the exact
/// shape kombu's virtual transports (Redis, Azure Service Bus) put on a queue, so Celery workers and
/// tools read what we send.
/// </summary>
public static class CeleryMessageWriter
{
    private const string Origin = "afirgen-tasks";

    /// <summary>Serializes <paramref name="message"/> for <paramref name="queue"/> with its resolved <paramref name="priority"/>.</summary>
    public static byte[] Write(TaskMessage message, string queue, int priority)
    {
        using var pooled = PooledJsonWriter.Rent();
        var writer = pooled.Writer;
        writer.WriteStartObject();
        using (var body = PooledJsonWriter.Rent())
        {
            WriteBody(message, body.Writer);
            writer.WriteBase64String("body", body.WrittenSpan);
        }
        writer.WriteString("content-encoding", "utf-8");
        writer.WriteString("content-type", "application/json");

        writer.WriteStartObject("headers");
        writer.WriteString("lang", "py");
        writer.WriteString("task", message.TaskName);
        writer.WriteString("id", message.Id);
        writer.WriteNull("shadow");
        WriteTime(writer, "eta", message.Eta);
        WriteTime(writer, "expires", message.Expires);
        WriteNullableString(writer, "group", message.GroupId);
        if (message.GroupIndex is { } index) writer.WriteNumber("group_index", index); else writer.WriteNull("group_index");
        writer.WriteNumber("retries", message.Retries);
        writer.WriteStartArray("timelimit");
        WriteSeconds(writer, message.HardTimeLimit);
        WriteSeconds(writer, message.SoftTimeLimit);
        writer.WriteEndArray();
        writer.WriteString("root_id", message.RootId ?? message.Id);
        WriteNullableString(writer, "parent_id", message.ParentId);
        // Celery shows these in its monitoring; we keep them short and JSON rather than Python repr.
        writer.WriteString("argsrepr", Truncate(message.Args.ToJsonString()));
        writer.WriteString("kwargsrepr", Truncate(message.Kwargs.ToJsonString()));
        writer.WriteString("origin", message.Origin ?? Origin);
        writer.WriteBoolean("ignore_result", message.IgnoreResult);
        foreach (var (key, value) in message.ExtraHeaders)
        {
            writer.WritePropertyName(key);
            if (value is null) writer.WriteNullValue(); else value.WriteTo(writer);
        }
        writer.WriteEndObject();

        writer.WriteStartObject("properties");
        writer.WriteString("correlation_id", message.Id);
        WriteNullableString(writer, "reply_to", message.ReplyTo);
        writer.WriteNumber("delivery_mode", 2);
        writer.WriteStartObject("delivery_info");
        writer.WriteString("exchange", "");
        writer.WriteString("routing_key", queue);
        writer.WriteEndObject();
        writer.WriteNumber("priority", priority);
        writer.WriteString("body_encoding", "base64");
        writer.WriteString("delivery_tag", DeliveryTags.Next());
        writer.WriteEndObject();

        writer.WriteEndObject();
        return pooled.ToArray();
    }

    private static void WriteBody(TaskMessage message, Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        message.Args.WriteTo(writer);
        message.Kwargs.WriteTo(writer);
        writer.WriteStartObject();
        WriteSignatures(writer, "callbacks", message.Callbacks, reversed: false);
        WriteSignatures(writer, "errbacks", message.Errbacks, reversed: false);
        WriteSignatures(writer, "chain", message.Chain, reversed: true);
        writer.WritePropertyName("chord");
        if (message.Chord is null) writer.WriteNullValue(); else message.Chord.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void WriteSignatures(Utf8JsonWriter writer, string name, IReadOnlyList<TaskSignature> signatures, bool reversed)
    {
        if (signatures.Count == 0)
        {
            writer.WriteNull(name);
            return;
        }
        writer.WriteStartArray(name);
        for (var i = 0; i < signatures.Count; i++)
        {
            signatures[reversed ? signatures.Count - 1 - i : i].ToJson().WriteTo(writer);
        }
        writer.WriteEndArray();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            // Celery's own format: ISO 8601 with microseconds and an offset.
            writer.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteSeconds(Utf8JsonWriter writer, TimeSpan? limit)
    {
        if (limit is { } l) writer.WriteNumberValue(l.TotalSeconds); else writer.WriteNullValue();
    }

    private static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name); else writer.WriteString(name, value);
    }

    private static string Truncate(string repr) => repr.Length <= 1024 ? repr : string.Concat(repr.AsSpan(0, 1021), "...");
}
