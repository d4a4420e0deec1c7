using System.Buffers;
using System.Text.Json;
using Afirgen.TaskProcessor.Engine.Broker;

namespace Afirgen.TaskProcessor.RedisBroker.DeadLetters;

/// <summary>
/// One entry of a queue's dead-letter list: the body as the worker received it (base64, so that bytes that are
/// not text survive) with why and when it was dead-lettered. Written by the settlement, numbered by the server.
/// </summary>
internal static class DeadLetterEntry
{
    /// <summary>The entry's JSON, without the sequence number (the settle script adds it). Never throws: whatever the body holds.</summary>
    public static byte[] Write(ReceivedMessage message, string reason, string description, DateTimeOffset now)
    {
        var (taskId, taskName, priority) = Describe(message.Body.Span);
        var buffer = new ArrayBufferWriter<byte>(message.Body.Length * 4 / 3 + 512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("reason", reason);
            writer.WriteString("description", description);
            writer.WriteNumber("deliveryCount", message.DeliveryCount);
            writer.WriteString("messageId", Printable(message.MessageId));
            writer.WriteString("taskId", taskId);
            writer.WriteString("taskName", taskName);
            writer.WriteNumber("priority", priority);
            writer.WriteString("enqueuedAt", message.EnqueuedAt);
            writer.WriteString("deadLetteredAt", now);
            writer.WriteBase64String("body", message.Body.Span);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an entry of <paramref name="queue"/>'s list; <see langword="null"/> if it is not one of ours.</summary>
    public static DeadLetteredMessage? Read(string queue, ReadOnlySpan<byte> entry)
    {
        try
        {
            using var document = JsonDocument.Parse(entry.ToArray());
            var e = document.RootElement;
            return new DeadLetteredMessage(
                queue,
                e.GetProperty("seq").GetInt64(),
                e.GetProperty("messageId").GetString() ?? "",
                e.GetProperty("taskId").GetString() ?? "",
                e.GetProperty("taskName").GetString() ?? "",
                e.GetProperty("priority").GetInt32(),
                e.GetProperty("body").GetBytesFromBase64(),
                e.GetProperty("reason").GetString() ?? "",
                e.GetProperty("description").GetString() ?? "",
                e.GetProperty("deliveryCount").GetInt32(),
                e.GetProperty("enqueuedAt").GetDateTimeOffset(),
                e.GetProperty("deadLetteredAt").GetDateTimeOffset());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Task id, name and priority as far as the body says them: a malformed body, or a field of the wrong type
    /// (a priority of "high", an id that is a number), says nothing for that field rather than throwing.
    /// </summary>
    private static (string TaskId, string TaskName, int Priority) Describe(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            string taskId = "", taskName = "";
            var priority = 0;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
            {
                if (headers.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) taskId = Printable(id.GetString()!);
                if (headers.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.String) taskName = Printable(task.GetString()!);
            }
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                && properties.TryGetProperty("priority", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var value))
            {
                priority = value;
            }
            return (taskId, taskName, priority);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return ("", "", 0);
        }
    }

    /// <summary>
    /// <paramref name="text"/> as operators may see it in a listing: control characters shown as U+FFFD, at most
    /// 200 characters (the body keeps the original bytes).
    /// </summary>
    private static string Printable(string text)
    {
        var cut = text.Length > 200 ? text[..200] : text;
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c) || char.IsSurrogate(c) && !IsPairedAt(source, i) ? '\uFFFD' : c;
            }
        });
    }

    private static bool IsPairedAt(string s, int i) =>
        char.IsHighSurrogate(s[i]) ? i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) : i > 0 && char.IsHighSurrogate(s[i - 1]);
}
