using System.Globalization;
using System.Text;
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
public sealed class CeleryMessageParser(IOptions<MessageOptions> options)
{
    private readonly MessageOptions _options = options.Value;

    /// <summary>Headers mapped onto <see cref="TaskMessage"/> properties; any other header is kept in <see cref="TaskMessage.ExtraHeaders"/>.</summary>
    internal static readonly HashSet<string> KnownHeaders =
    [
        "lang", "task", "id", "shadow", "eta", "expires", "group", "group_index", "retries", "timelimit",
        "root_id", "parent_id", "argsrepr", "kwargsrepr", "origin", "ignore_result",
    ];

    public ParseOutcome Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length > _options.MaxMessageBytes)
        {
            return Reject(DeadLetterReasons.MessageTooLarge,
                $"The message body is {body.Length} bytes; the limit is {_options.MaxMessageBytes} bytes (TaskProcessor:Messages:MaxMessageBytes). Store large inputs in Blob Storage and pass a reference.");
        }

        JsonObject envelope;
        try
        {
            var node = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth });
            if (node is not JsonObject obj)
            {
                return Reject(DeadLetterReasons.MalformedMessage,
                    $"The message body is JSON but not an object (found {Describe(node)}); a Celery message is kombu's envelope object with headers, properties and body.");
            }
            envelope = obj;
        }
        catch (JsonException ex)
        {
            return Reject(DeadLetterReasons.MalformedMessage, $"The message body is not valid JSON: {ex.Message}");
        }

        if (envelope["headers"] is not JsonObject headers)
        {
            return Reject(DeadLetterReasons.MalformedMessage,
                "The envelope has no 'headers' object; Celery protocol v2 puts the task name and id there (protocol v1 messages are not supported).");
        }

        var id = ReadString(headers, "id");
        var name = ReadString(headers, "task");
        if (id.Error is not null || string.IsNullOrWhiteSpace(id.Value))
        {
            return Reject(DeadLetterReasons.MalformedMessage, id.Error ?? "The message has no task id (headers.id).", null, name.Value);
        }
        if (name.Error is not null || string.IsNullOrWhiteSpace(name.Value))
        {
            return Reject(DeadLetterReasons.MalformedMessage, name.Error ?? "The message has no task name (headers.task).", id.Value, null);
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

    private TaskMessage ReadMessage(JsonObject envelope, JsonObject headers, string id, string name)
    {
        var contentType = OptionalString(envelope, "content-type", "content-type");
        if (contentType is not null && !contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedMessageException(
                $"The content type is '{contentType}'; only application/json is accepted (pickle and other serializers are refused and never deserialized). Set Celery's task_serializer to 'json'.");
        }

        var properties = envelope["properties"] as JsonObject ?? [];
        if (envelope["properties"] is not null and not JsonObject)
        {
            throw new MalformedMessageException("The envelope's 'properties' is not an object.");
        }

        var (args, kwargs, embed) = ReadBody(envelope, properties);
        var (hard, soft) = ReadTimeLimit(headers["timelimit"]);

        var extra = new JsonObject();
        foreach (var (key, value) in headers)
        {
            if (!KnownHeaders.Contains(key))
            {
                extra[key] = value?.DeepClone();
            }
        }

        return new TaskMessage
        {
            Id = id,
            TaskName = name,
            Args = args,
            Kwargs = kwargs,
            Priority = ReadPriority(properties["priority"]),
            Eta = ReadTime(headers, "eta"),
            Expires = ReadTime(headers, "expires"),
            Retries = ReadInt(headers, "retries") ?? 0,
            HardTimeLimit = hard,
            SoftTimeLimit = soft,
            RootId = OptionalString(headers, "root_id", "headers.root_id"),
            ParentId = OptionalString(headers, "parent_id", "headers.parent_id"),
            GroupId = OptionalString(headers, "group", "headers.group"),
            GroupIndex = ReadInt(headers, "group_index"),
            RoutingKey = (properties["delivery_info"] as JsonObject) is { } info ? OptionalString(info, "routing_key", "properties.delivery_info.routing_key") : null,
            Origin = OptionalString(headers, "origin", "headers.origin"),
            ReplyTo = OptionalString(properties, "reply_to", "properties.reply_to"),
            IgnoreResult = headers["ignore_result"] is JsonValue ir && ir.GetValueKind() == JsonValueKind.True,
            Chain = ReadSignatures(embed, "chain", reversed: true),
            Callbacks = ReadSignatures(embed, "callbacks", reversed: false),
            Errbacks = ReadSignatures(embed, "errbacks", reversed: false),
            Chord = embed?["chord"]?.DeepClone(),
            ExtraHeaders = extra,
        };
    }

    private (JsonArray Args, JsonObject Kwargs, JsonObject? Embed) ReadBody(JsonObject envelope, JsonObject properties)
    {
        if (envelope["body"] is not JsonValue bodyValue || !bodyValue.TryGetValue(out string? bodyText))
        {
            throw new MalformedMessageException("The envelope's 'body' is missing or not a string.");
        }

        var encoding = OptionalString(properties, "body_encoding", "properties.body_encoding");
        string json;
        if (encoding is null)
        {
            json = bodyText;
        }
        else if (encoding == "base64")
        {
            try
            {
                json = Encoding.UTF8.GetString(Convert.FromBase64String(bodyText));
            }
            catch (FormatException)
            {
                throw new MalformedMessageException("The body is marked base64 (properties.body_encoding) but is not valid base64.");
            }
        }
        else
        {
            throw new MalformedMessageException($"The body encoding '{encoding}' is not supported; kombu writes 'base64'.");
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The decoded body is not valid JSON: {ex.Message}");
        }

        if (parsed is not JsonArray parts || parts.Count is < 2 or > 3)
        {
            throw new MalformedMessageException(
                $"The decoded body must be the JSON array [args, kwargs, embed] of Celery protocol v2; found {Describe(parsed)}.");
        }
        if (parts[0] is not JsonArray args)
        {
            throw new MalformedMessageException($"The body's args (first element) must be a JSON array; found {Describe(parts[0])}.");
        }
        if (parts[1] is not JsonObject kwargs)
        {
            throw new MalformedMessageException($"The body's kwargs (second element) must be a JSON object; found {Describe(parts[1])}.");
        }
        JsonObject? embed = null;
        if (parts.Count == 3 && parts[2] is not null)
        {
            embed = parts[2] as JsonObject
                ?? throw new MalformedMessageException($"The body's embed (third element) must be a JSON object or null; found {Describe(parts[2])}.");
        }

        // Detach from the parsed array so the nodes can be placed in new trees later.
        parts.Clear();
        return (args, kwargs, embed);
    }

    private static IReadOnlyList<TaskSignature> ReadSignatures(JsonObject? embed, string key, bool reversed)
    {
        var node = embed?[key];
        if (node is null)
        {
            return [];
        }
        if (node is not JsonArray array)
        {
            throw new MalformedMessageException($"embed.{key} must be a list of signatures or null; found {Describe(node)}.");
        }

        var list = new List<TaskSignature>(array.Count);
        foreach (var item in array)
        {
            list.Add(ReadSignature(item, $"embed.{key}"));
        }
        if (reversed)
        {
            // Celery keeps the chain reversed on the wire (the next link is the last element).
            list.Reverse();
        }
        return list;
    }

    private static TaskSignature ReadSignature(JsonNode? node, string where)
    {
        if (node is not JsonObject sig)
        {
            throw new MalformedMessageException($"{where} holds {Describe(node)} where a signature object was expected.");
        }
        var task = OptionalString(sig, "task", $"{where}[].task");
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
        return new TaskSignature(task, args, kwargs, options, immutable, OptionalString(sig, "subtask_type", $"{where}[].subtask_type"));
    }

    private static int? ReadPriority(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue value || !value.TryGetValue(out double number) || number != Math.Floor(number))
        {
            throw new MalformedMessageException($"properties.priority must be a whole number; found {Describe(node)}.");
        }
        if (number is < 0 or > 255)
        {
            throw new MalformedMessageException($"properties.priority is {number}; kombu's range is 0 to 255 and ours is 1 (lowest) to 10 (highest).");
        }
        // 0 is what kombu writes when the producer gave none; above 10 is a producer on another scale
        // (e.g. RabbitMQ's 0–255): we serve it as our highest rather than lose the message.
        return number == 0 ? null : (int)Math.Min(number, Priorities.Highest);
    }

    private static (TimeSpan? Hard, TimeSpan? Soft) ReadTimeLimit(JsonNode? node)
    {
        if (node is null)
        {
            return (null, null);
        }
        if (node is not JsonArray pair || pair.Count != 2)
        {
            throw new MalformedMessageException($"headers.timelimit must be the list [hard, soft] of seconds or nulls; found {Describe(node)}.");
        }
        return (ReadSeconds(pair[0], "hard"), ReadSeconds(pair[1], "soft"));
    }

    private static TimeSpan? ReadSeconds(JsonNode? node, string which)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.TryGetValue(out double seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        throw new MalformedMessageException($"headers.timelimit's {which} limit must be a positive number of seconds or null; found {Describe(node)}.");
    }

    private static DateTimeOffset? ReadTime(JsonObject headers, string key)
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

    private static int? ReadInt(JsonObject headers, string key)
    {
        var node = headers[key];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= 0 and <= int.MaxValue)
        {
            return (int)d;
        }
        throw new MalformedMessageException($"headers.{key} must be a non-negative whole number or null; found {Describe(node)}.");
    }

    private static (string? Value, string? Error) ReadString(JsonObject obj, string key)
    {
        var node = obj[key];
        return node switch
        {
            null => (null, null),
            JsonValue v when v.TryGetValue(out string? s) => (s, null),
            _ => (null, $"headers.{key} must be a string; found {Describe(node)}."),
        };
    }

    private static string? OptionalString(JsonObject obj, string key, string where)
    {
        var node = obj[key];
        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw new MalformedMessageException($"{where} must be a string or null; found {Describe(node)}."),
        };
    }

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
