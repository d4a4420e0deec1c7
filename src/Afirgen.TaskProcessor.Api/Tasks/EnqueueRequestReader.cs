using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Publishing;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// Reads the JSON body of <c>POST /api/tasks</c> into a <see cref="TaskRequest"/>, with an error sentence
/// for every field that is wrong. Field names follow Celery's <c>send_task</c>.
/// </summary>
internal static class EnqueueRequestReader
{
    public static (TaskRequest? Request, string? Error) Read(JsonNode? body, DateTimeOffset now)
    {
        if (body is not JsonObject obj)
        {
            return (null, "The request body must be a JSON object such as {\"name\": \"diagnostics.echo\", \"kwargs\": {\"x\": 1}}.");
        }
        try
        {
            var name = String(obj, "name") ?? throw new RequestException("'name' (the task name) is required.");
            var args = obj["args"] switch
            {
                null => [],
                JsonArray a => (JsonArray)a.DeepClone(),
                _ => throw new RequestException("'args' must be a JSON list of positional arguments."),
            };
            var kwargs = obj["kwargs"] switch
            {
                null => [],
                JsonObject k => (JsonObject)k.DeepClone(),
                _ => throw new RequestException("'kwargs' must be a JSON object of keyword arguments."),
            };
            var priority = Int(obj, "priority");
            var countdown = Number(obj, "countdown");
            var eta = Time(obj, "eta");
            if (countdown is not null && eta is not null)
            {
                throw new RequestException("Give either 'countdown' (seconds from now) or 'eta' (a time), not both.");
            }
            if (countdown is < 0)
            {
                throw new RequestException("'countdown' must be zero or more seconds.");
            }
            DateTimeOffset? expires = obj["expires"] switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => now + TimeSpan.FromSeconds(v.GetValue<double>()),
                _ => Time(obj, "expires"),
            };
            return (new TaskRequest
            {
                TaskName = name,
                Args = args,
                Kwargs = kwargs,
                Priority = priority,
                Queue = String(obj, "queue"),
                TaskId = String(obj, "task_id"),
                Eta = countdown is { } c ? now + TimeSpan.FromSeconds(c) : eta,
                Expires = expires,
            }, null);
        }
        catch (RequestException ex)
        {
            return (null, ex.Message);
        }
    }

    private static string? String(JsonObject obj, string key) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) && !string.IsNullOrWhiteSpace(s) => s,
        _ => throw new RequestException($"'{key}' must be a non-empty string."),
    };

    private static int? Int(JsonObject obj, string key) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw new RequestException($"'{key}' must be a whole number."),
    };

    private static double? Number(JsonObject obj, string key) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out double d) => d,
        _ => throw new RequestException($"'{key}' must be a number of seconds."),
    };

    private static DateTimeOffset? Time(JsonObject obj, string key)
    {
        var text = String(obj, key);
        if (text is null)
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new RequestException($"'{key}' must be an ISO 8601 date and time such as 2026-11-25T18:00:00Z; got '{text}'.");
    }

    private sealed class RequestException(string message) : Exception(message);
}
