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
/// problem becomes a <see cref="ParseOutcome.Rejected"/> that says what was wrong. Each reading step returns a
/// <see cref="ParseStep{T}"/>, and the first step that fails decides the rejection.
/// </summary>
/// <remarks>
/// The envelope is read with <see cref="JsonDocument"/> (pooled, no object per property) because every
/// message passes through here; only the arguments, the embed and unknown headers become
/// <see cref="JsonNode"/>s, since handlers and rewrites need them as such.
/// </remarks>
public sealed class CeleryMessageParser(IOptions<MessageOptions> options)
{
    private readonly MessageOptions _options = options.Value;

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

        var parsed = ParseJson(body, "The message body is not valid JSON");
        if (parsed.Failed)
        {
            return Reject(DeadLetterReasons.MalformedMessage, parsed.Problem!);
        }
        using var document = parsed.Value;
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

        var known = ReadHeaders(headers);
        var id = ReadHeaderString(known.Id, "headers.id");
        var name = ReadHeaderString(known.Task, "headers.task");
        if (id.Failed || string.IsNullOrWhiteSpace(id.Value))
        {
            return Reject(DeadLetterReasons.MalformedMessage, id.Problem ?? "The message has no task id (headers.id).", null, Usable(name.Value));
        }
        if (IdProblem(id.Value, "headers.id") is { } badId)
        {
            // No FAILURE is stored under an id nobody could look up or that would corrupt a key.
            return Reject(DeadLetterReasons.MalformedMessage, badId, null, Usable(name.Value));
        }
        if (name.Failed || string.IsNullOrWhiteSpace(name.Value))
        {
            return Reject(DeadLetterReasons.MalformedMessage, name.Problem ?? "The message has no task name (headers.task).", id.Value, null);
        }
        if (IdProblem(name.Value, "headers.task") is { } badName)
        {
            return Reject(DeadLetterReasons.MalformedMessage, badName, id.Value, null);
        }

        var message = ReadMessage(envelope, known, id.Value, name.Value);
        return message.Failed
            ? Reject(DeadLetterReasons.MalformedMessage, message.Problem!, id.Value, name.Value)
            : new ParseOutcome.Parsed(message.Value);
    }

    /// <summary>Parses <paramref name="utf8"/> as a pooled document (the caller disposes it), or says why it is not JSON.</summary>
    private ParseStep<JsonDocument> ParseJson(ReadOnlyMemory<byte> utf8, string notJson)
    {
        try
        {
            return ParseStep<JsonDocument>.Ok(JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth }));
        }
        catch (JsonException ex)
        {
            // System.Text.Json reports bad JSON only by throwing; here it becomes a step that failed.
            return ParseStep<JsonDocument>.Fail($"{notJson}: {ex.Message}");
        }
    }

    private ParseStep<TaskMessage> ReadMessage(JsonElement envelope, HeaderValues headers, string id, string name)
    {
        var contentType = OptionalString(envelope, "content-type", "content-type");
        if (contentType.Failed)
        {
            return contentType.FailAs<TaskMessage>();
        }
        if (contentType.Value is { } type && !type.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return ParseStep<TaskMessage>.Fail(
                $"The content type is '{type}'; only application/json is accepted (pickle and other serializers are refused and never deserialized). Set Celery's task_serializer to 'json'.");
        }

        var hasProperties = envelope.TryGetProperty("properties", out var properties) && properties.ValueKind != JsonValueKind.Null;
        if (hasProperties && properties.ValueKind != JsonValueKind.Object)
        {
            return ParseStep<TaskMessage>.Fail("The envelope's 'properties' is not an object.");
        }

        var body = ReadBody(envelope, hasProperties ? properties : null);
        if (body.Failed)
        {
            return body.FailAs<TaskMessage>();
        }
        var limits = ReadTimeLimit(headers.TimeLimit);
        if (limits.Failed)
        {
            return limits.FailAs<TaskMessage>();
        }
        var delivery = hasProperties ? ReadDeliveryProperties(properties) : ParseStep<DeliveryProperties>.Ok(default);
        if (delivery.Failed)
        {
            return delivery.FailAs<TaskMessage>();
        }
        var fields = ReadHeaderFields(headers);
        if (fields.Failed)
        {
            return fields.FailAs<TaskMessage>();
        }
        return ParseStep<TaskMessage>.Ok(Assemble(headers, id, name, body.Value, limits.Value, delivery.Value, fields.Value));
    }

    private static TaskMessage Assemble(HeaderValues headers, string id, string name, BodyParts body, TimeLimitPair limits, DeliveryProperties delivery, HeaderFields fields) =>
        new()
        {
            Id = id,
            TaskName = name,
            Args = body.Args,
            Kwargs = body.Kwargs,
            Priority = delivery.Priority,
            Eta = fields.Eta,
            Expires = fields.Expires,
            Retries = fields.Retries ?? 0,
            HardTimeLimit = limits.Hard,
            SoftTimeLimit = limits.Soft,
            RootId = fields.RootId,
            ParentId = fields.ParentId,
            GroupId = fields.GroupId,
            GroupIndex = fields.GroupIndex,
            RoutingKey = delivery.RoutingKey,
            Origin = fields.Origin,
            ReplyTo = delivery.ReplyTo,
            IgnoreResult = headers.IgnoreResult.ValueKind == JsonValueKind.True,
            Chain = body.Embed.Chain,
            Callbacks = body.Embed.Callbacks,
            Errbacks = body.Embed.Errbacks,
            Chord = body.Embed.Chord,
            ExtraHeaders = headers.Extra ?? [],
        };

    /// <summary>
    /// The headers this parser reads, each as found (<see cref="JsonValueKind.Undefined"/> when absent), and every
    /// header it does not know as <see cref="Extra"/>, kept for <see cref="TaskMessage.ExtraHeaders"/>.
    /// </summary>
    private struct HeaderValues
    {
        public JsonElement Task, Id, Eta, Expires, Group, GroupIndex, Retries, TimeLimit, RootId, ParentId, Origin, IgnoreResult;
        public JsonObject? Extra;
    }

    /// <summary>
    /// Sorts the headers in one pass by their UTF-8 names, without a string per name: every message passes through
    /// here, and one lookup per header read would walk the whole object each time. A name given twice keeps its last
    /// value, as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> would.
    /// </summary>
    private static HeaderValues ReadHeaders(JsonElement headers)
    {
        var found = default(HeaderValues);
        foreach (var header in headers.EnumerateObject())
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(header);
            // A name written with escapes (rare) is compared unescaped.
            ReadOnlySpan<byte> name = raw.IndexOf((byte)'\\') < 0 ? raw : System.Text.Encoding.UTF8.GetBytes(header.Name);
            var value = header.Value;
            if (name.SequenceEqual("task"u8)) found.Task = value;
            else if (name.SequenceEqual("id"u8)) found.Id = value;
            else if (name.SequenceEqual("eta"u8)) found.Eta = value;
            else if (name.SequenceEqual("expires"u8)) found.Expires = value;
            else if (name.SequenceEqual("group"u8)) found.Group = value;
            else if (name.SequenceEqual("group_index"u8)) found.GroupIndex = value;
            else if (name.SequenceEqual("retries"u8)) found.Retries = value;
            else if (name.SequenceEqual("timelimit"u8)) found.TimeLimit = value;
            else if (name.SequenceEqual("root_id"u8)) found.RootId = value;
            else if (name.SequenceEqual("parent_id"u8)) found.ParentId = value;
            else if (name.SequenceEqual("origin"u8)) found.Origin = value;
            else if (name.SequenceEqual("ignore_result"u8)) found.IgnoreResult = value;
            // Known to Celery and rewritten by our writer, not read: its language, shadow name and the reprs it shows.
            else if (!(name.SequenceEqual("lang"u8) || name.SequenceEqual("shadow"u8) || name.SequenceEqual("argsrepr"u8) || name.SequenceEqual("kwargsrepr"u8)))
            {
                (found.Extra ??= [])[header.Name] = JsonSerializer.SerializeToNode(value);
            }
        }
        return found;
    }

    /// <summary>The decoded body: Celery protocol v2's <c>[args, kwargs, embed]</c>.</summary>
    private readonly record struct BodyParts(JsonArray Args, JsonObject Kwargs, EmbeddedWork Embed);

    /// <summary>A message's own time limits (<c>headers.timelimit</c>).</summary>
    private readonly record struct TimeLimitPair(TimeSpan? Hard, TimeSpan? Soft);

    /// <summary>What kombu's properties say about delivering the message.</summary>
    private readonly record struct DeliveryProperties(string? RoutingKey, int? Priority, string? ReplyTo);

    /// <summary>The optional headers that are read into typed properties.</summary>
    private readonly record struct HeaderFields(
        DateTimeOffset? Eta, DateTimeOffset? Expires, int? Retries, string? RootId, string? ParentId, string? GroupId, int? GroupIndex, string? Origin);

    private static ParseStep<DeliveryProperties> ReadDeliveryProperties(JsonElement properties)
    {
        string? routingKey = null;
        if (properties.TryGetProperty("delivery_info", out var info) && info.ValueKind == JsonValueKind.Object)
        {
            var key = OptionalString(info, "routing_key", "properties.delivery_info.routing_key");
            if (key.Failed)
            {
                return key.FailAs<DeliveryProperties>();
            }
            routingKey = key.Value;
        }
        var priority = ReadPriority(properties);
        if (priority.Failed)
        {
            return priority.FailAs<DeliveryProperties>();
        }
        var replyTo = OptionalString(properties, "reply_to", "properties.reply_to");
        return replyTo.Failed ? replyTo.FailAs<DeliveryProperties>() : ParseStep<DeliveryProperties>.Ok(new(routingKey, priority.Value, replyTo.Value));
    }

    // Long only because each header is read and checked in turn; the order is the order problems are reported in.
    private static ParseStep<HeaderFields> ReadHeaderFields(HeaderValues headers)
    {
        var eta = ReadTime(headers.Eta, "headers.eta");
        if (eta.Failed)
        {
            return eta.FailAs<HeaderFields>();
        }
        var expires = ReadTime(headers.Expires, "headers.expires");
        if (expires.Failed)
        {
            return expires.FailAs<HeaderFields>();
        }
        var retries = ReadInt(headers.Retries, "headers.retries");
        if (retries.Failed)
        {
            return retries.FailAs<HeaderFields>();
        }
        var rootId = OptionalId(headers.RootId, "headers.root_id");
        if (rootId.Failed)
        {
            return rootId.FailAs<HeaderFields>();
        }
        var parentId = OptionalId(headers.ParentId, "headers.parent_id");
        if (parentId.Failed)
        {
            return parentId.FailAs<HeaderFields>();
        }
        var groupId = OptionalId(headers.Group, "headers.group");
        if (groupId.Failed)
        {
            return groupId.FailAs<HeaderFields>();
        }
        var groupIndex = ReadInt(headers.GroupIndex, "headers.group_index");
        if (groupIndex.Failed)
        {
            return groupIndex.FailAs<HeaderFields>();
        }
        var origin = OptionalString(headers.Origin, "headers.origin");
        if (origin.Failed)
        {
            return origin.FailAs<HeaderFields>();
        }
        return ParseStep<HeaderFields>.Ok(new(eta.Value, expires.Value, retries.Value, rootId.Value, parentId.Value, groupId.Value, groupIndex.Value, origin.Value));
    }

    private ParseStep<BodyParts> ReadBody(JsonElement envelope, JsonElement? properties)
    {
        if (!envelope.TryGetProperty("body", out var bodyElement) || bodyElement.ValueKind != JsonValueKind.String)
        {
            return ParseStep<BodyParts>.Fail("The envelope's 'body' is missing or not a string.");
        }

        var encoding = properties is { } p ? OptionalString(p, "body_encoding", "properties.body_encoding") : ParseStep<string?>.Ok(null);
        if (encoding.Failed)
        {
            return encoding.FailAs<BodyParts>();
        }
        if (encoding.Value is null)
        {
            var text = bodyElement.GetString()!;
            return ReadBodyJson(System.Text.Encoding.UTF8.GetBytes(text));
        }
        if (encoding.Value != "base64")
        {
            return ParseStep<BodyParts>.Fail($"The body encoding '{encoding.Value}' is not supported; kombu writes 'base64'.");
        }

        // Decode straight from the document's UTF-8 (no string of the whole body); a body whose JSON
        // string uses escapes (some writers escape '/') takes the ordinary path.
        var raw = JsonMarshal.GetRawUtf8Value(bodyElement);
        var utf8 = raw[1..^1];
        var rented = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(utf8.Length) + 3);
        try
        {
            var decoded = utf8.IndexOf((byte)'\\') < 0
                ? Base64.DecodeFromUtf8(utf8, rented, out _, out var written) == OperationStatus.Done
                : Convert.TryFromBase64String(bodyElement.GetString()!, rented, out written);
            return decoded
                ? ReadBodyJson(rented.AsMemory(0, written))
                : ParseStep<BodyParts>.Fail("The body is marked base64 (properties.body_encoding) but is not valid base64.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private ParseStep<BodyParts> ReadBodyJson(ReadOnlyMemory<byte> utf8)
    {
        var parsed = ParseJson(utf8, "The decoded body is not valid JSON");
        if (parsed.Failed)
        {
            return parsed.FailAs<BodyParts>();
        }
        using var document = parsed.Value;
        var parts = document.RootElement;
        if (parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() is < 2 or > 3)
        {
            return ParseStep<BodyParts>.Fail(
                $"The decoded body must be the JSON array [args, kwargs, embed] of Celery protocol v2; found {Describe(parts)}.");
        }
        var args = parts[0];
        var kwargs = parts[1];
        if (args.ValueKind != JsonValueKind.Array)
        {
            return ParseStep<BodyParts>.Fail($"The body's args (first element) must be a JSON array; found {Describe(args)}.");
        }
        if (kwargs.ValueKind != JsonValueKind.Object)
        {
            return ParseStep<BodyParts>.Fail($"The body's kwargs (second element) must be a JSON object; found {Describe(kwargs)}.");
        }

        var embed = parts.GetArrayLength() == 3 && parts[2].ValueKind != JsonValueKind.Null
            ? ReadEmbed(parts[2])
            : ParseStep<EmbeddedWork>.Ok(EmbeddedWork.None);
        if (embed.Failed)
        {
            return embed.FailAs<BodyParts>();
        }

        // Clones outlive the pooled document; the nodes over them are built only if a handler looks.
        return ParseStep<BodyParts>.Ok(new(
            args.GetArrayLength() == 0 ? [] : JsonArray.Create(args.Clone())!,
            IsEmptyObject(kwargs) ? [] : JsonObject.Create(kwargs.Clone())!,
            embed.Value));
    }

    private static ParseStep<EmbeddedWork> ReadEmbed(JsonElement embed)
    {
        if (embed.ValueKind != JsonValueKind.Object)
        {
            return ParseStep<EmbeddedWork>.Fail($"The body's embed (third element) must be a JSON object or null; found {Describe(embed)}.");
        }
        var chain = ReadSignatures(embed, "chain", reversed: true);
        if (chain.Failed)
        {
            return chain.FailAs<EmbeddedWork>();
        }
        var callbacks = ReadSignatures(embed, "callbacks", reversed: false);
        if (callbacks.Failed)
        {
            return callbacks.FailAs<EmbeddedWork>();
        }
        var errbacks = ReadSignatures(embed, "errbacks", reversed: false);
        if (errbacks.Failed)
        {
            return errbacks.FailAs<EmbeddedWork>();
        }
        var chord = embed.TryGetProperty("chord", out var c) && c.ValueKind != JsonValueKind.Null ? JsonNode.Parse(c.GetRawText()) : null;
        return ParseStep<EmbeddedWork>.Ok(new EmbeddedWork(chain.Value, callbacks.Value, errbacks.Value, chord));
    }

    private static bool IsEmptyObject(JsonElement obj)
    {
        using var properties = obj.EnumerateObject();
        return !properties.MoveNext();
    }

    private static ParseStep<IReadOnlyList<TaskSignature>> ReadSignatures(JsonElement embed, string key, bool reversed)
    {
        if (!embed.TryGetProperty(key, out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return ParseStep<IReadOnlyList<TaskSignature>>.Ok([]);
        }
        if (node.ValueKind != JsonValueKind.Array)
        {
            return ParseStep<IReadOnlyList<TaskSignature>>.Fail($"embed.{key} must be a list of signatures or null; found {Describe(node)}.");
        }

        var list = new List<TaskSignature>(node.GetArrayLength());
        foreach (var item in node.EnumerateArray())
        {
            var signature = ReadSignature(JsonNode.Parse(item.GetRawText()), $"embed.{key}");
            if (signature.Failed)
            {
                return signature.FailAs<IReadOnlyList<TaskSignature>>();
            }
            list.Add(signature.Value);
        }
        if (reversed)
        {
            // Celery keeps the chain reversed on the wire (the next link is the last element).
            list.Reverse();
        }
        return ParseStep<IReadOnlyList<TaskSignature>>.Ok(list);
    }

    /// <summary>What a message's embed asks to run afterwards.</summary>
    private sealed record EmbeddedWork(IReadOnlyList<TaskSignature> Chain, IReadOnlyList<TaskSignature> Callbacks, IReadOnlyList<TaskSignature> Errbacks, JsonNode? Chord)
    {
        public static readonly EmbeddedWork None = new([], [], [], null);
    }

    /// <summary>
    /// The signatures in <paramref name="node"/>: one signature, or a list of them (Celery's <c>link</c> and
    /// <c>link_error</c> options take either); entries that are not signatures are left out.
    /// </summary>
    public static IReadOnlyList<TaskSignature> TryReadSignatures(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }
        if (node is not JsonArray items)
        {
            return ReadSignature(node, "a signature") is { Failed: false } one ? [one.Value] : [];
        }
        var list = new List<TaskSignature>(items.Count);
        foreach (var item in items)
        {
            if (ReadSignature(item, "a signature list") is { Failed: false } signature)
            {
                list.Add(signature.Value);
            }
        }
        return list;
    }

    /// <summary>Reads a Celery signature (a chord's body, a signature's <c>link</c> or <c>link_error</c>), or says why <paramref name="node"/> is not one.</summary>
    internal static ParseStep<TaskSignature> ReadSignature(JsonNode? node, string where)
    {
        if (node is not JsonObject sig)
        {
            return ParseStep<TaskSignature>.Fail($"{where} holds {Describe(node)} where a signature object was expected.");
        }
        var task = sig["task"] is JsonValue t && t.TryGetValue(out string? taskName) ? taskName : null;
        if (string.IsNullOrWhiteSpace(task))
        {
            return ParseStep<TaskSignature>.Fail($"A signature in {where} has no task name.");
        }
        if (sig["args"] is { } args and not JsonArray)
        {
            return ParseStep<TaskSignature>.Fail($"A signature in {where} has args that are not a list ({Describe(args)}).");
        }
        if (sig["kwargs"] is { } kwargs and not JsonObject)
        {
            return ParseStep<TaskSignature>.Fail($"A signature in {where} has kwargs that are not an object ({Describe(kwargs)}).");
        }
        if (sig["options"] is { } options and not JsonObject)
        {
            return ParseStep<TaskSignature>.Fail($"A signature in {where} has options that are not an object ({Describe(options)}).");
        }
        var immutable = sig["immutable"] is JsonValue im && im.GetValueKind() == JsonValueKind.True;
        var subtaskType = sig["subtask_type"] is JsonValue st && st.TryGetValue(out string? s) ? s : null;
        return ParseStep<TaskSignature>.Ok(new TaskSignature(task,
            sig["args"] is JsonArray a ? (JsonArray)a.DeepClone() : [],
            sig["kwargs"] is JsonObject k ? (JsonObject)k.DeepClone() : [],
            sig["options"] is JsonObject o ? (JsonObject)o.DeepClone() : [],
            immutable, subtaskType));
    }

    private static ParseStep<int?> ReadPriority(JsonElement properties)
    {
        if (!properties.TryGetProperty("priority", out var node) || node.ValueKind == JsonValueKind.Null)
        {
            return ParseStep<int?>.Ok(null);
        }
        if (node.ValueKind != JsonValueKind.Number || !node.TryGetDouble(out var number) || number != Math.Floor(number))
        {
            return ParseStep<int?>.Fail($"properties.priority must be a whole number; found {Describe(node)}.");
        }
        if (number is < 0 or > 255)
        {
            return ParseStep<int?>.Fail($"properties.priority is {number.ToString(CultureInfo.InvariantCulture)}; kombu's range is 0 to 255 and ours is 1 (lowest) to 10 (highest).");
        }
        // 0 is what kombu writes when the producer gave none; above 10 is a producer on another scale
        // (e.g. RabbitMQ's 0–255): we serve it as our highest rather than lose the message.
        return ParseStep<int?>.Ok(number == 0 ? null : (int)Math.Min(number, Priorities.Highest));
    }

    private static ParseStep<TimeLimitPair> ReadTimeLimit(JsonElement node)
    {
        if (node.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ParseStep<TimeLimitPair>.Ok(default);
        }
        if (node.ValueKind != JsonValueKind.Array || node.GetArrayLength() != 2)
        {
            return ParseStep<TimeLimitPair>.Fail($"headers.timelimit must be the list [hard, soft] of seconds or nulls; found {Describe(node)}.");
        }
        var hard = ReadSeconds(node[0], "hard");
        if (hard.Failed)
        {
            return hard.FailAs<TimeLimitPair>();
        }
        var soft = ReadSeconds(node[1], "soft");
        return soft.Failed ? soft.FailAs<TimeLimitPair>() : ParseStep<TimeLimitPair>.Ok(new(hard.Value, soft.Value));
    }

    private static ParseStep<TimeSpan?> ReadSeconds(JsonElement node, string which)
    {
        if (node.ValueKind == JsonValueKind.Null)
        {
            return ParseStep<TimeSpan?>.Ok(null);
        }
        if (node.ValueKind == JsonValueKind.Number && node.TryGetDouble(out var seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return ParseStep<TimeSpan?>.Ok(TimeSpan.FromSeconds(seconds));
        }
        return ParseStep<TimeSpan?>.Fail($"headers.timelimit's {which} limit must be a positive number of seconds or null; found {Describe(node)}.");
    }

    private static ParseStep<DateTimeOffset?> ReadTime(JsonElement node, string where)
    {
        var text = OptionalString(node, where);
        if (text.Failed || text.Value is null)
        {
            return text.Failed ? text.FailAs<DateTimeOffset?>() : ParseStep<DateTimeOffset?>.Ok(null);
        }
        // Celery writes ISO 8601, with an offset when the app is timezone-aware; a naive time is UTC.
        if (DateTimeOffset.TryParse(text.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return ParseStep<DateTimeOffset?>.Ok(time);
        }
        return ParseStep<DateTimeOffset?>.Fail($"{where} is '{text.Value}', which is not an ISO 8601 date and time.");
    }

    private static ParseStep<int?> ReadInt(JsonElement node, string where)
    {
        if (node.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ParseStep<int?>.Ok(null);
        }
        if (node.ValueKind == JsonValueKind.Number && node.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= 0 and <= int.MaxValue)
        {
            return ParseStep<int?>.Ok((int)d);
        }
        return ParseStep<int?>.Fail($"{where} must be a non-negative whole number or null; found {Describe(node)}.");
    }

    private static ParseStep<string?> ReadHeaderString(JsonElement node, string where)
    {
        if (node.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ParseStep<string?>.Ok(null);
        }
        return node.ValueKind == JsonValueKind.String
            ? ParseStep<string?>.Ok(node.GetString())
            : ParseStep<string?>.Fail($"{where} must be a string; found {Describe(node)}.");
    }

    /// <summary>A lineage id (root, parent, group): a string fit to be a key, or null.</summary>
    private static ParseStep<string?> OptionalId(JsonElement node, string where)
    {
        var value = OptionalString(node, where);
        return value.Value is not null && IdProblem(value.Value, where) is { } problem ? ParseStep<string?>.Fail(problem) : value;
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

    private static ParseStep<string?> OptionalString(JsonElement obj, string key, string where) =>
        OptionalString(obj.TryGetProperty(key, out var node) ? node : default, where);

    /// <summary><paramref name="node"/> as a string, null when absent or null, or why it is neither.</summary>
    private static ParseStep<string?> OptionalString(JsonElement node, string where)
    {
        if (node.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ParseStep<string?>.Ok(null);
        }
        return node.ValueKind == JsonValueKind.String
            ? ParseStep<string?>.Ok(node.GetString())
            : ParseStep<string?>.Fail($"{where} must be a string or null; found {Describe(node)}.");
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
}
