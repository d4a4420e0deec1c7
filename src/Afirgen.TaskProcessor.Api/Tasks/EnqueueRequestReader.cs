using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Publishing;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// Reads the JSON body of <c>POST /api/tasks</c> (and the options of Flower's apply routes) into a
/// <see cref="TaskRequest"/>, with an error sentence for every field that is wrong. Field names follow Celery's
/// <c>send_task</c>. Every field is checked here, before anything is recorded or sent.
/// </summary>
internal static class EnqueueRequestReader
{
    /// <summary>
    /// How far ahead a task may be due or expire: ten years. Beyond it times overflow (1e20 seconds is no date)
    /// and nothing waits that long on purpose; a revoked id is remembered for far less.
    /// </summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(3650);

    /// <summary>The longest task name accepted (Celery's names are dotted module paths, far shorter).</summary>
    public const int MaxNameLength = 200;

    public static (TaskRequest? Request, string? Error) Read(JsonNode? body, DateTimeOffset now)
    {
        if (body is not JsonObject obj)
        {
            return (null, "The request body must be a JSON object such as {\"name\": \"diagnostics.echo\", \"kwargs\": {\"x\": 1}}.");
        }
        try
        {
            var name = Name(obj);
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
            var eta = Due(obj, now);
            var expires = Expires(obj, now);
            var taskId = String(obj, "task_id");
            if (taskId is not null && TaskIdRule.Check(taskId) is { } idError)
            {
                throw new RequestException(idError);
            }
            return (new TaskRequest
            {
                TaskName = name,
                Args = args,
                Kwargs = kwargs,
                Priority = priority,
                Queue = String(obj, "queue"),
                TaskId = taskId,
                Eta = eta,
                Expires = expires,
            }, null);
        }
        catch (RequestException ex)
        {
            return (null, ex.Message);
        }
    }

    private static string Name(JsonObject obj)
    {
        var name = String(obj, "name") ?? throw new RequestException("'name' (the task name) is required.");
        if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new RequestException($"'name' must be a task name of at most {MaxNameLength} characters without control characters, such as afirgen_tasks.email.send_notification.");
        }
        return name;
    }

    /// <summary>When the task is due: <c>countdown</c> seconds from now or at <c>eta</c> (not both); null for now.</summary>
    private static DateTimeOffset? Due(JsonObject obj, DateTimeOffset now)
    {
        var countdown = Seconds(obj, "countdown", "'countdown' must be a number of seconds from now");
        var eta = Time(obj, "eta", now);
        if (countdown is not null && eta is not null)
        {
            throw new RequestException("Give either 'countdown' (seconds from now) or 'eta' (a time), not both.");
        }
        if (countdown is < 0)
        {
            throw new RequestException("'countdown' must be zero or more seconds.");
        }
        return countdown is { } c ? now + TimeSpan.FromSeconds(c) : eta;
    }

    /// <summary>When the task expires: <c>expires</c> as seconds from now or as a time; null for never.</summary>
    private static DateTimeOffset? Expires(JsonObject obj, DateTimeOffset now) => obj["expires"] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Seconds(obj, "expires", "'expires' must be a number of seconds from now, or a time") switch
        {
            > 0 and double s => now + TimeSpan.FromSeconds(s),
            _ => throw new RequestException("'expires' must be more than zero seconds from now."),
        },
        _ => Time(obj, "expires", now),
    };

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

    /// <summary>A number of seconds, at most <see cref="MaxAhead"/> either way (so adding it to now cannot overflow).</summary>
    private static double? Seconds(JsonObject obj, string key, string what) => obj[key] switch
    {
        null => null,
        // A JSON number too large for a double (1e400) reads as infinity.
        JsonValue v when v.TryGetValue(out double d) && double.IsFinite(d) && Math.Abs(d) <= MaxAhead.TotalSeconds => d,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number =>
            throw new RequestException($"{what}, at most {MaxAhead.TotalSeconds:0} (ten years); got {v.ToJsonString()}."),
        _ => throw new RequestException($"{what}."),
    };

    private static DateTimeOffset? Time(JsonObject obj, string key, DateTimeOffset now)
    {
        var text = String(obj, key);
        if (text is null)
        {
            return null;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            throw new RequestException($"'{key}' must be an ISO 8601 date and time such as 2026-11-25T18:00:00Z; got '{text}'.");
        }
        if (t > now + MaxAhead)
        {
            throw new RequestException($"'{key}' must be at most ten years from now; got '{text}'.");
        }
        return t;
    }

    private sealed class RequestException(string message) : Exception(message);
}
