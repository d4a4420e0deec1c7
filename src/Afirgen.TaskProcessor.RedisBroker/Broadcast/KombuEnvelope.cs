using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.RedisBroker.Broadcast;

/// <summary>
/// kombu's envelope for the transient messages of its exchanges (remote control requests and replies, events): the
/// JSON body base64-encoded, as kombu's virtual transport writes every message, with the exchange and routing key in
/// <c>properties.delivery_info</c> and delivery mode 1 (transient).
/// </summary>
internal static class KombuEnvelope
{
    /// <summary>The envelope carrying <paramref name="body"/> to <paramref name="exchange"/> with <paramref name="routingKey"/>.</summary>
    public static byte[] Create(JsonNode? body, JsonObject headers, string exchange, string routingKey)
    {
        var envelope = new JsonObject
        {
            ["body"] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(body)),
            ["content-encoding"] = "utf-8",
            ["content-type"] = "application/json",
            ["headers"] = headers,
            ["properties"] = new JsonObject
            {
                ["delivery_mode"] = 1,
                ["delivery_info"] = new JsonObject { ["exchange"] = exchange, ["routing_key"] = routingKey },
                ["priority"] = 0,
                ["body_encoding"] = "base64",
                ["delivery_tag"] = Guid.NewGuid().ToString(),
            },
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    /// <summary>
    /// The body and headers of an envelope; <see langword="null"/> for anything that is not a JSON envelope with a
    /// JSON body (kombu's other serializers, pickle above all, are refused, as a worker accepting only JSON refuses them).
    /// </summary>
    public static (JsonNode? Body, JsonObject Headers)? Read(ReadOnlySpan<byte> envelope)
    {
        try
        {
            if (JsonNode.Parse(envelope) is not JsonObject root)
            {
                return null;
            }
            var headers = root["headers"] as JsonObject ?? [];
            if (root["content-type"] is JsonValue type && type.TryGetValue(out string? contentType) && contentType != "application/json")
            {
                return null;
            }
            if (root["body"] is not JsonValue bodyValue || !bodyValue.TryGetValue(out string? body))
            {
                return null;
            }
            var encoding = root["properties"]?["body_encoding"] is JsonValue e && e.TryGetValue(out string? enc) ? enc : null;
            var json = encoding == "base64" ? Convert.FromBase64String(body) : System.Text.Encoding.UTF8.GetBytes(body);
            var parsed = JsonNode.Parse(json);
            return (parsed, (JsonObject)headers.DeepClone());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
