using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.DeadLetters;

/// <summary>
/// Dead letters over HTTP: list them per queue with reason, description, delivery count and task id;
/// replay one, a filtered set or all; purge. Written against the broker-neutral port, so the same calls
/// work on the embedded broker and on Service Bus's dead-letter sub-queues.
/// </summary>
/// <remarks>
/// On a broker with lanes (Service Bus) a queue (<c>reports</c>) means all its lanes; one lane is named either by its
/// broker queue as the queue (<c>reports-high</c>) or by <c>queue</c> plus <c>lane</c> (<c>high</c>, or
/// <see cref="QueueLanes.Base"/> for the queue's own broker queue alone). Elsewhere a lane is a 400 that says the
/// broker keeps no lanes.
/// </remarks>
public sealed class DeadLetterApi(DeadLetterReplayer replayer, TaskRouter router, QueueDepthReader depths, JsonBodyReader bodies)
{
    /// <summary><c>GET /api/dead-letters</c> (<c>?queue= &amp;taskName= &amp;taskId= &amp;reason= &amp;limit=</c>).</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var limit = 500;
        if (Text(q["limit"]) is { } limitText && !(int.TryParse(limitText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= DeadLetterReplayer.MaxBrowsed))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be a whole number from 1 to {DeadLetterReplayer.MaxBrowsed}; got '{limitText}'.");
        }
        var (queues, error) = Queues(q["queue"].ToString(), Text(q["lane"]));
        if (error is not null)
        {
            return error;
        }
        var filter = new DeadLetterFilter { TaskName = Text(q["taskName"]), TaskId = Text(q["taskId"]), Reason = Text(q["reason"]) };
        var list = new List<DeadLetterView>();
        foreach (var (queue, from) in queues)
        {
            list.AddRange((await replayer.ListAsync(queue, filter with { FromQueue = from }, limit, cancellationToken).ConfigureAwait(false)).Select(DeadLetterView.From));
        }
        return Results.Ok(list.OrderBy(d => d.DeadLetteredAt).Take(limit).ToArray());
    }

    /// <summary>
    /// <c>POST /api/dead-letters/replay</c> with <c>{"queue", "messageIds", "taskId", "taskName", "reason"}</c>, every
    /// field optional (none: every dead letter of every queue): <c>{"replayed": n}</c>.
    /// </summary>
    public Task<IResult> ReplayAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApplyAsync(request, "replayed", requireAll: false, (queue, filter, ct) => replayer.ReplayAsync(queue, filter, ct), cancellationToken);

    /// <summary>
    /// <c>POST /api/dead-letters/purge</c>, the same filter; deleting everything needs <c>"all": true</c>:
    /// <c>{"purged": n}</c>.
    /// </summary>
    public Task<IResult> PurgeAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApplyAsync(request, "purged", requireAll: true, (queue, filter, ct) => replayer.PurgeAsync(queue, filter, ct), cancellationToken);

    private async Task<IResult> ApplyAsync(HttpRequest request, string counted, bool requireAll,
        Func<string, DeadLetterFilter, CancellationToken, Task<int>> apply, CancellationToken cancellationToken)
    {
        var (read, problem) = await bodies.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        // No body (or null) means no filter; anything but an object is a mistake, not "everything".
        if (read is not (null or JsonObject))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid dead-letter filter",
                "The body must be a JSON object such as {\"queue\": \"email\", \"taskId\": \"…\"}, or leave it out to mean every dead letter.");
        }
        var body = read as JsonObject ?? [];
        DeadLetterFilter filter;
        string? queueName;
        string? laneName;
        try
        {
            (filter, queueName, laneName) = ReadFilter(body);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid dead-letter filter",
                "Give any of \"queue\", \"lane\", \"taskId\", \"taskName\", \"reason\" as strings and \"messageIds\" as a list of strings.");
        }
        if (requireAll && filter.IsEverything && body["all"]?.GetValueKind() != JsonValueKind.True)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Say what to delete",
                "Purging without a filter deletes every dead letter" + (queueName is null ? " of every queue" : $" of queue '{queueName}'") + "; send \"all\": true to mean it, or filter by messageIds, taskId, taskName or reason.");
        }
        var (queues, error) = Queues(queueName ?? "", laneName);
        if (error is not null)
        {
            return error;
        }
        try
        {
            var total = 0;
            foreach (var (queue, from) in queues)
            {
                total += await apply(queue, filter with { FromQueue = from }, cancellationToken).ConfigureAwait(false);
            }
            return Results.Ok(new Dictionary<string, int> { [counted] = total });
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "The result store is unavailable", $"{ex.Message} Nothing more was replayed; try again when Redis is back.");
        }
    }

    /// <summary>The filter, queue and lane a request names; throws <see cref="FormatException"/> or <see cref="InvalidOperationException"/> for a field of the wrong type.</summary>
    private static (DeadLetterFilter Filter, string? Queue, string? Lane) ReadFilter(JsonObject body)
    {
        var filter = new DeadLetterFilter
        {
            MessageIds = body["messageIds"] switch
            {
                null => null,
                JsonArray a => a.Select(n => n?.GetValue<string>() ?? throw new FormatException()).ToArray(),
                _ => throw new FormatException(),
            },
            TaskId = Str(body, "taskId"),
            TaskName = Str(body, "taskName"),
            Reason = Str(body, "reason"),
        };
        return (filter, Str(body, "queue"), Str(body, "lane"));
    }

    // What a request names, as (the queue the dead-letter port is asked for, the broker queue the letters must come from):
    // every queue; a queue (all its lanes); a lane by its broker queue (reports-high); or a queue and a lane name.
    private (IReadOnlyList<(string Queue, string? From)> Queues, IResult? Error) Queues(string queue, string? lane)
    {
        if (string.IsNullOrWhiteSpace(queue))
        {
            return lane is null
                ? (router.Queues.Select(q => (q, (string?)null)).ToArray(), null)
                : ([], ApiProblems.Problem(StatusCodes.Status400BadRequest, "Lane without a queue", $"Lane '{lane}' needs the queue it belongs to, such as queue 'reports' with lane '{lane}'."));
        }
        if (!router.IsKnownQueue(queue))
        {
            return depths.LaneOf(queue) is { Name: not null } named && lane is null
                ? ([(named.Queue, null)], null)
                : ([], ApiProblems.Problem(StatusCodes.Status400BadRequest, "Unknown queue", $"There is no queue named '{queue}'; the queues are {string.Join(", ", router.Queues)}" +
                    (depths.HasLanes ? $", and their lanes {string.Join(", ", router.Queues.SelectMany(depths.LanesOf).Where(l => l.Name is not null).Select(l => l.Queue))}." : ".")));
        }
        if (lane is null)
        {
            return ([(queue, null)], null);
        }
        var lanes = depths.LanesOf(queue);
        if (lanes.Count == 0)
        {
            return ([], ApiProblems.Problem(StatusCodes.Status400BadRequest, "No lanes",
                depths.HasLanes
                    ? $"Queue '{queue}' has no lanes; leave 'lane' out."
                    : "This broker orders each queue by priority itself and keeps no lanes (lanes are used on Service Bus only); leave 'lane' out."));
        }
        if (lane == QueueLanes.Base)
        {
            return ([(queue, queue)], null);
        }
        return lanes.FirstOrDefault(l => l.Name == lane) is { } found
            ? ([(found.Queue, null)], null)
            : ([], ApiProblems.Problem(StatusCodes.Status400BadRequest, "Unknown lane",
                $"Queue '{queue}' has no lane '{lane}'; its lanes are {string.Join(", ", lanes.Select(l => l.Name ?? QueueLanes.Base))}."));
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) => string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString();

    private static string? Str(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => string.IsNullOrWhiteSpace(s) ? null : s,
        _ => throw new FormatException(),
    };
}

/// <summary>A dead letter as the API shows it (never its body).</summary>
public sealed record DeadLetterView(
    string Queue, long SequenceNumber, string MessageId, string TaskId, string TaskName, int Priority,
    string Reason, string Description, int DeliveryCount, DateTimeOffset EnqueuedAt, DateTimeOffset DeadLetteredAt)
{
    public static DeadLetterView From(DeadLetteredMessage m) =>
        new(m.Queue, m.SequenceNumber, m.MessageId, m.TaskId, m.TaskName, m.Priority, m.Reason, m.Description, m.DeliveryCount, m.EnqueuedAt, m.DeadLetteredAt);
}
