using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Keys;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>
/// Makes an outgoing body what a kombu list holds. A kombu envelope is sent as a new message: a fresh
/// delivery tag (kombu's unacked hash is keyed by it), our message id in its properties (duplicate detection
/// and dead-letter replay need it back on receipt), no delivery count or redelivered mark carried over from
/// the message it was made from (a retry or an ETA deferral starts counting again), routed to the target
/// queue by kombu's anonymous exchange. Any other body (only tests and foreign producers send such) is
/// carried base64-encoded inside a minimal envelope marked opaque, and handed back unwrapped on receipt.
/// </summary>
internal static class OutgoingEnvelope
{
    public const string MessageIdProperty = "x-afirgen-message-id";
    public const string OpaqueProperty = "x-afirgen-opaque";

    /// <summary>The envelope to push for <paramref name="message"/> on <paramref name="queue"/>.</summary>
    public static byte[] Prepare(OutgoingMessage message, string queue)
    {
        var envelope = TryReadEnvelope(message.Body) ?? Opaque(message.Body);
        var headers = envelope["headers"]!.AsObject();
        headers.Remove(KombuKeys.DeliveryCountHeader);
        headers.Remove("redelivered");

        var properties = envelope["properties"]!.AsObject();
        properties["delivery_tag"] = Guid.NewGuid().ToString();
        properties[MessageIdProperty] = message.MessageId;
        properties["priority"] = message.Priority;
        properties["delivery_info"] = new JsonObject { ["exchange"] = "", ["routing_key"] = queue };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    /// <summary>The body an opaque envelope carries, or <see langword="null"/> when <paramref name="envelope"/> is not one.</summary>
    public static byte[]? Unwrap(ReadOnlySpan<byte> envelope)
    {
        try
        {
            using var document = JsonDocument.Parse(envelope.ToArray());
            var root = document.RootElement;
            if (root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                && properties.TryGetProperty(OpaqueProperty, out var opaque) && opaque.ValueKind == JsonValueKind.True
                && root.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.String)
            {
                return body.GetBytesFromBase64();
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
        }
        return null;
    }

    private static JsonObject? TryReadEnvelope(ReadOnlyMemory<byte> body)
    {
        try
        {
            if (JsonNode.Parse(body.Span) is JsonObject envelope
                && envelope["headers"] is JsonObject && envelope["properties"] is JsonObject)
            {
                // Touch every member now: a duplicate key throws here rather than half-way through writing.
                _ = envelope.Count;
                return envelope;
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
        }
        return null;
    }

    private static JsonObject Opaque(ReadOnlyMemory<byte> body) => new()
    {
        ["body"] = Convert.ToBase64String(body.Span),
        ["content-encoding"] = "binary",
        ["content-type"] = "application/octet-stream",
        ["headers"] = new JsonObject(),
        ["properties"] = new JsonObject { ["body_encoding"] = "base64", [OpaqueProperty] = true },
    };

}
