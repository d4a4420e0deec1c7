using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Priority;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// Reads Celery message protocol v2 inside kombu's JSON envelope. Never throws for bad input: every
/// problem becomes a <see cref="ParseOutcome.Rejected"/> that says what was wrong.
/// </summary>
/// <remarks>
/// The envelope is read with <see cref="JsonDocument"/> (pooled, no object per property) because every
/// message passes through here; only the arguments, the embed and unknown headers become
/// <see cref="JsonNode"/>s, since handlers and rewrites need them as such.
/// </remarks>
public sealed class CeleryMessageParser(IOptions<MessageOptions> options)
{
    private readonly MessageOptions _options = options.Value;

    /// <summary>Headers mapped onto <see cref="TaskMessage"/> properties; any other header is kept in <see cref="TaskMessage.ExtraHeaders"/>.</summary>
    internal static readonly HashSet<string> KnownHeaders =
    [
        "lang", "task", "id", "shadow", "eta", "expires", "group", "group_index", "retries", "timelimit",
        "root_id", "parent_id", "argsrepr", "kwargsrepr", "origin", "ignore_result",
    ];

    /// <summary>The longest task id, name or lineage id accepted (Celery writes 36-character UUIDs).</summary>
    public const int MaxIdLength = 255;

    public ParseOutcome Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return ParseEnvelope(body);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever slipped past the checks below (a value no check foresaw) still ends as a reasoned
            // dead letter, never as an exception that leaves the message unsettled.
            return Reject(DeadLetterReasons.MalformedMessage,
                $"The message could not be read ({ex.GetType().Name}: {ex.Message}); check that it is a Celery protocol v2 message in kombu's JSON envelope.");
        }
    }

    private ParseOutcome ParseEnvelope(ReadOnlyMemory<byte> body)
    {
        if (body.Length > _options.MaxMessageBytes)
        {
            return Reject(DeadLetterReasons.MessageTooLarge,
                $"The message body is {body.Length} bytes; the limit is {_options.MaxMessageBytes} bytes (TaskProcessor:Messages:MaxMessageBytes). Store large inputs in Blob Storage and pass a reference.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            return Reject(DeadLetterReasons.MalformedMessage, $"The message body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var envelope = document.RootElement;
            if (envelope.ValueKind != JsonValueKind.Object)
            {
                return Reject(DeadLetterReasons.MalformedMessage,
                    $"The message body is JSON but not an object (found {Describe(envelope)}); a Celery message is kombu's envelope object with headers, properties and body.");
            }
            if (!envelope.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Object)
            {
                return Reject(DeadLetterReasons.MalformedMessage,
                    "The envelope has no 'headers' object; Celery protocol v2 puts the task name and id there (protocol v1 messages are not supported).");
            }

            var id = ReadHeaderString(headers, "id");
            var name = ReadHeaderString(headers, "task");
            if (id.Error is not null || string.IsNullOrWhiteSpace(id.Value))
            {
                return Reject(DeadLetterReasons.MalformedMessage, id.Error ?? "The message has no task id (headers.id).", null, Usable(name.Value));
            }
            if (IdProblem(id.Value, "headers.id") is { } badId)
            {
                // No FAILURE is stored under an id nobody could look up or that would corrupt a key.
                return Reject(DeadLetterReasons.MalformedMessage, badId, null, Usable(name.Value));
            }
            if (name.Error is not null || string.IsNullOrWhiteSpace(name.Value))
            {
                return Reject(DeadLetterReasons.MalformedMessage, name.Error ?? "The message has no task name (headers.task).", id.Value, null);
            }
            if (IdProblem(name.Value, "headers.task") is { } badName)
            {
                return Reject(DeadLetterReasons.MalformedMessage, badName, id.Value, null);
            }

            try
            {
                return new ParseOutcome.Parsed(ReadMessage(envelope, headers, id.Value, name.Value));
            }
            catch (MalformedMessageException ex)
            {
                return Reject(DeadLetterReasons.MalformedMessage, ex.Message, id.Value, name.Value);
            }
        }
    }

    private TaskMessage ReadMessage(JsonElement envelope, JsonElement headers, string id, string name)
    {
        var contentType = OptionalString(envelope, "content-type", "content-type");
        if (contentType is not null && !contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedMessageException(
                $"The content type is '{contentType}'; only application/json is accepted (pickle and other serializers are refused and never deserialized). Set Celery's task_serializer to 'json'.");
        }

        JsonElement properties = default;
        var hasProperties = envelope.TryGetProperty("properties", out properties) && properties.ValueKind != JsonValueKind.Null;
        if (hasProperties && properties.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedMessageException("The envelope's 'properties' is not an object.");
        }

        var (args, kwargs, embed) = ReadBody(envelope, hasProperties ? properties : null);
        var (hard, soft) = ReadTimeLimit(headers);

        JsonObject? extra = null;
        foreach (var header in headers.EnumerateObject())
        {
            if (!KnownHeaders.Contains(header.Name))
            {
                (extra ??= [])[header.Name] = JsonSerializer.SerializeToNode(header.Value);
            }
        }

        string? routingKey = null;
        int? priority = null;
        string? replyTo = null;
        if (hasProperties)
        {
            if (properties.TryGetProperty("delivery_info", out var info) && info.ValueKind == JsonValueKind.Object)
            {
                routingKey = OptionalString(info, "routing_key", "properties.delivery_info.routing_key");
            }
            priority = ReadPriority(properties);
            replyTo = OptionalString(properties, "reply_to", "properties.reply_to");
        }

        return new TaskMessage
        {
            Id = id,
            TaskName = name,
            Args = args,
            Kwargs = kwargs,
            Priority = priority,
            Eta = ReadTime(headers, "eta"),
            Expires = ReadTime(headers, "expires"),
            Retries = ReadInt(headers, "retries") ?? 0,
            HardTimeLimit = hard,
            SoftTimeLimit = soft,
            RootId = OptionalId(headers, "root_id"),
            ParentId = OptionalId(headers, "parent_id"),
            GroupId = OptionalId(headers, "group"),
            GroupIndex = ReadInt(headers, "group_index"),
            RoutingKey = routingKey,
            Origin = OptionalString(headers, "origin", "headers.origin"),
            ReplyTo = replyTo,
            IgnoreResult = headers.TryGetProperty("ignore_result", out var ir) && ir.ValueKind == JsonValueKind.True,
            Chain = embed.Chain,
            Callbacks = embed.Callbacks,
            Errbacks = embed.Errbacks,
            Chord = embed.Chord,
            ExtraHeaders = extra ?? [],
        };
    }

    private (JsonArray Args, JsonObject Kwargs, EmbeddedWork Embed) ReadBody(JsonElement envelope, JsonElement? properties)
    {
        if (!envelope.TryGetProperty("body", out var bodyElement) || bodyElement.ValueKind != JsonValueKind.String)
        {
            throw new MalformedMessageException("The envelope's 'body' is missing or not a string.");
        }

        var encoding = properties is { } p ? OptionalString(p, "body_encoding", "properties.body_encoding") : null;
        if (encoding is null)
        {
            var text = bodyElement.GetString()!;
            return ReadBodyJson(System.Text.Encoding.UTF8.GetBytes(text));
        }
        if (encoding != "base64")
        {
            throw new MalformedMessageException($"The body encoding '{encoding}' is not supported; kombu writes 'base64'.");
        }

        // Decode straight from the document's UTF-8 (no string of the whole body); a body whose JSON
        // string uses escapes (some writers escape '/') takes the ordinary path.
        var raw = JsonMarshal.GetRawUtf8Value(bodyElement);
        var utf8 = raw[1..^1];
        var rented = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(utf8.Length) + 3);
        try
        {
            int written;
            if (utf8.IndexOf((byte)'\\') < 0)
            {
                if (Base64.DecodeFromUtf8(utf8, rented, out _, out written) != OperationStatus.Done)
                {
                    throw new MalformedMessageException("The body is marked base64 (properties.body_encoding) but is not valid base64.");
                }
            }
            else if (!Convert.TryFromBase64String(bodyElement.GetString()!, rented, out written))
            {
                throw new MalformedMessageException("The body is marked base64 (properties.body_encoding) but is not valid base64.");
            }
            return ReadBodyJson(rented.AsMemory(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private (JsonArray Args, JsonObject Kwargs, EmbeddedWork Embed) ReadBodyJson(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The decoded body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var parts = document.RootElement;
            if (parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() is < 2 or > 3)
            {
                throw new MalformedMessageException(
                    $"The decoded body must be the JSON array [args, kwargs, embed] of Celery protocol v2; found {Describe(parts)}.");
            }
            var args = parts[0];
            var kwargs = parts[1];
            if (args.ValueKind != JsonValueKind.Array)
            {
                throw new MalformedMessageException($"The body's args (first element) must be a JSON array; found {Describe(args)}.");
            }
            if (kwargs.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedMessageException($"The body's kwargs (second element) must be a JSON object; found {Describe(kwargs)}.");
            }

            var embed = EmbeddedWork.None;
            if (parts.GetArrayLength() == 3 && parts[2].ValueKind != JsonValueKind.Null)
            {
                var e = parts[2];
                if (e.ValueKind != JsonValueKind.Object)
                {
                    throw new MalformedMessageException($"The body's embed (third element) must be a JSON object or null; found {Describe(e)}.");
                }
                embed = new EmbeddedWork(
                    ReadSignatures(e, "chain", reversed: true),
                    ReadSignatures(e, "callbacks", reversed: false),
                    ReadSignatures(e, "errbacks", reversed: false),
                    e.TryGetProperty("chord", out var chord) && chord.ValueKind != JsonValueKind.Null ? JsonNode.Parse(chord.GetRawText()) : null);
            }

            // Clones outlive the pooled document; the nodes over them are built only if a handler looks.
            return (
                args.GetArrayLength() == 0 ? [] : JsonArray.Create(args.Clone())!,
                IsEmptyObject(kwargs) ? [] : JsonObject.Create(kwargs.Clone())!,
                embed);
        }
    }

    private static bool IsEmptyObject(JsonElement obj)
    {
        using var properties = obj.EnumerateObject();
        return !properties.MoveNext();
    }

    private static IReadOnlyList<TaskSignature> ReadSignatures(JsonElement embed, string key, bool reversed)
    {
        if (!embed.TryGetProperty(key, out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (node.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedMessageException($"embed.{key} must be a list of signatures or null; found {Describe(node)}.");
        }

        var list = new List<TaskSignature>(node.GetArrayLength());
        foreach (var item in node.EnumerateArray())
        {
            list.Add(ReadSignature(JsonNode.Parse(item.GetRawText()), $"embed.{key}"));
        }
        if (reversed)
        {
            // Celery keeps the chain reversed on the wire (the next link is the last element).
            list.Reverse();
        }
        return list;
    }

    /// <summary>What a message's embed asks to run afterwards.</summary>
    private sealed record EmbeddedWork(IReadOnlyList<TaskSignature> Chain, IReadOnlyList<TaskSignature> Callbacks, IReadOnlyList<TaskSignature> Errbacks, JsonNode? Chord)
    {
        public static readonly EmbeddedWork None = new([], [], [], null);
    }

    /// <summary>
    /// Reads a Celery signature (a chord's body, a signature's <c>link</c> or <c>link_error</c>); null with
    /// <paramref name="problem"/> saying what is wrong when <paramref name="node"/> is not one.
    /// </summary>
    public static TaskSignature? TryReadSignature(JsonNode? node, string where, out string? problem)
    {
        try
        {
            problem = null;
            return ReadSignature(node, where);
        }
        catch (MalformedMessageException ex)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>
    /// The signatures in <paramref name="node"/>: one signature, or a list of them (Celery's <c>link</c> and
    /// <c>link_error</c> options take either); entries that are not signatures are left out.
    /// </summary>
    public static IReadOnlyList<TaskSignature> TryReadSignatures(JsonNode? node) => node switch
    {
        null => [],
        JsonArray list => [.. list.Select(item => TryReadSignature(item, "a signature list", out _)).OfType<TaskSignature>()],
        _ => TryReadSignature(node, "a signature", out _) is { } one ? [one] : [],
    };

    private static TaskSignature ReadSignature(JsonNode? node, string where)
    {
        if (node is not JsonObject sig)
        {
            throw new MalformedMessageException($"{where} holds {Describe(node)} where a signature object was expected.");
        }
        var task = sig["task"] is JsonValue t && t.TryGetValue(out string? taskName) ? taskName : null;
        if (string.IsNullOrWhiteSpace(task))
        {
            throw new MalformedMessageException($"A signature in {where} has no task name.");
        }
        var args = sig["args"] switch
        {
            null => [],
            JsonArray a => (JsonArray)a.DeepClone(),
            var other => throw new MalformedMessageException($"A signature in {where} has args that are not a list ({Describe(other)})."),
        };
        var kwargs = sig["kwargs"] switch
        {
            null => [],
            JsonObject k => (JsonObject)k.DeepClone(),
            var other => throw new MalformedMessageException($"A signature in {where} has kwargs that are not an object ({Describe(other)})."),
        };
        var options = sig["options"] switch
        {
            null => [],
            JsonObject o => (JsonObject)o.DeepClone(),
            var other => throw new MalformedMessageException($"A signature in {where} has options that are not an object ({Describe(other)})."),
        };
        var immutable = sig["immutable"] is JsonValue im && im.GetValueKind() == JsonValueKind.True;
        var subtaskType = sig["subtask_type"] is JsonValue st && st.TryGetValue(out string? s) ? s : null;
        return new TaskSignature(task, args, kwargs, options, immutable, subtaskType);
    }

    private static int? ReadPriority(JsonElement properties)
    {
        if (!properties.TryGetProperty("priority", out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (node.ValueKind != JsonValueKind.Number || !node.TryGetDouble(out var number) || number != Math.Floor(number))
        {
            throw new MalformedMessageException($"properties.priority must be a whole number; found {Describe(node)}.");
        }
        if (number is < 0 or > 255)
        {
            throw new MalformedMessageException($"properties.priority is {number.ToString(CultureInfo.InvariantCulture)}; kombu's range is 0 to 255 and ours is 1 (lowest) to 10 (highest).");
        }
        // 0 is what kombu writes when the producer gave none; above 10 is a producer on another scale
        // (e.g. RabbitMQ's 0–255): we serve it as our highest rather than lose the message.
        return number == 0 ? null : (int)Math.Min(number, Priorities.Highest);
    }

    private static (TimeSpan? Hard, TimeSpan? Soft) ReadTimeLimit(JsonElement headers)
    {
        if (!headers.TryGetProperty("timelimit", out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        if (node.ValueKind != JsonValueKind.Array || node.GetArrayLength() != 2)
        {
            throw new MalformedMessageException($"headers.timelimit must be the list [hard, soft] of seconds or nulls; found {Describe(node)}.");
        }
        return (ReadSeconds(node[0], "hard"), ReadSeconds(node[1], "soft"));
    }

    private static TimeSpan? ReadSeconds(JsonElement node, string which)
    {
        if (node.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (node.ValueKind == JsonValueKind.Number && node.TryGetDouble(out var seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        throw new MalformedMessageException($"headers.timelimit's {which} limit must be a positive number of seconds or null; found {Describe(node)}.");
    }

    private static DateTimeOffset? ReadTime(JsonElement headers, string key)
    {
        var text = OptionalString(headers, key, $"headers.{key}");
        if (text is null)
        {
            return null;
        }
        // Celery writes ISO 8601, with an offset when the app is timezone-aware; a naive time is UTC.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw new MalformedMessageException($"headers.{key} is '{text}', which is not an ISO 8601 date and time.");
    }

    private static int? ReadInt(JsonElement headers, string key)
    {
        if (!headers.TryGetProperty(key, out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (node.ValueKind == JsonValueKind.Number && node.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= 0 and <= int.MaxValue)
        {
            return (int)d;
        }
        throw new MalformedMessageException($"headers.{key} must be a non-negative whole number or null; found {Describe(node)}.");
    }

    private static (string? Value, string? Error) ReadHeaderString(JsonElement headers, string key)
    {
        if (!headers.TryGetProperty(key, out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        return node.ValueKind == JsonValueKind.String
            ? (node.GetString(), null)
            : (null, $"headers.{key} must be a string; found {Describe(node)}.");
    }

    /// <summary>A lineage id (root, parent, group): a string fit to be a key, or null.</summary>
    private static string? OptionalId(JsonElement headers, string key)
    {
        var value = OptionalString(headers, key, $"headers.{key}");
        return value is not null && IdProblem(value, $"headers.{key}") is { } problem ? throw new MalformedMessageException(problem) : value;
    }

    /// <summary>Why <paramref name="value"/> cannot be an id (too long, control characters), or null when it can.</summary>
    private static string? IdProblem(string value, string where)
    {
        if (value.Length > MaxIdLength)
        {
            return $"{where} is {value.Length} characters long; at most {MaxIdLength} are accepted.";
        }
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"{where} contains the control character U+{(int)c:X4}; ids and task names must be printable text.";
            }
        }
        return null;
    }

    /// <summary><paramref name="name"/> when it can be shown and stored, else null.</summary>
    private static string? Usable(string? name) => name is not null && IdProblem(name, "") is null ? name : null;

    private static string? OptionalString(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return node.ValueKind == JsonValueKind.String
            ? node.GetString()
            : throw new MalformedMessageException($"{where} must be a string or null; found {Describe(node)}.");
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => $"a list of {element.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    internal static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray a => $"a list of {a.Count}",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            var kind => kind.ToString().ToLowerInvariant(),
        },
        _ => "an unexpected value",
    };

    private static ParseOutcome.Rejected Reject(string reason, string description, string? id = null, string? name = null) =>
        new(reason, description, id, name);

    /// <summary>Raised inside the parser only; never escapes it.</summary>
    private sealed class MalformedMessageException(string message) : Exception(message);
}
