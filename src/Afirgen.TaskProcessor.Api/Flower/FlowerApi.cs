using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Api.Inspect;
using Afirgen.TaskProcessor.Api.Tasks;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>
/// Flower's REST API on Flower's routes and JSON shapes, so scripts and dashboards written for Flower keep
/// working. Backed by the task index and the instances' heartbeats in Redis, so listings survive restarts
/// and cover every instance. Differences (docs/monitoring.md): task arguments are never shown (args and
/// kwargs are null) nor searched, <c>search</c> cannot look into results, and <c>refresh</c> is not needed
/// (heartbeats are at most a few seconds old). Flower's commands (apply, send-task, revoke) are
/// <see cref="FlowerTaskCommands"/>.
/// </summary>
public sealed class FlowerApi(
    MonitoringReader monitoring, FlowerResults results, TaskRegistry registry, TaskRouter router, QueueDepthReader queues, TimeProvider time)
{
    private const int MaxListed = 10_000;

    /// <summary><c>GET /api/workers</c> (<c>?workername=</c>, <c>?status=true</c>).</summary>
    public async Task<IResult> ListWorkersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var workername = request.Query["workername"].ToString();
        var statusOnly = IsTrue(request.Query["status"].ToString());
        WorkersView view;
        try
        {
            view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
        var workers = view.Alive.Where(w => workername.Length == 0 || w.Name == workername).ToArray();
        if (workername.Length > 0 && workers.Length == 0)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown worker", $"Unknown worker '{workername}': no live instance has that name.");
        }
        var answer = new JsonObject();
        foreach (var w in workers)
        {
            answer[w.Name] = statusOnly ? true : WorkerJson(w);
        }
        if (statusOnly && workername.Length == 0)
        {
            // As Flower does for workers it has seen go offline: recently gone instances answer false.
            foreach (var w in view.Gone.Where(g => !answer.ContainsKey(g.Name)))
            {
                answer[w.Name] = false;
            }
        }
        return Json(answer);
    }

    /// <summary>
    /// <c>GET /api/tasks</c>: Flower's filters <c>state</c>, <c>taskname</c>, <c>workername</c>, <c>received_start</c>,
    /// <c>received_end</c> (and <c>started_start</c>, <c>started_end</c>, which Flower's task iterator has but its API
    /// handler does not read), <c>search</c>, <c>limit</c>, <c>offset</c>, <c>sort_by</c>. A malformed value is a 400
    /// whose detail says how to write it.
    /// </summary>
    public async Task<IResult> ListTasksAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (query, problem) = ReadTaskQuery(request.Query);
        if (query is null)
        {
            return problem!;
        }
        try
        {
            var entries = await monitoring.Store.QueryTasksAsync(query, cancellationToken).ConfigureAwait(false);
            var metas = await Task.WhenAll(entries.Select(e => results.GetAsync(e.TaskId, cancellationToken))).ConfigureAwait(false);
            var answer = new JsonObject();
            for (var i = 0; i < entries.Count; i++)
            {
                answer[entries[i].TaskId] = FlowerTaskFormat.From(entries[i], metas[i]);
            }
            return Json(answer);
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    /// <summary>Flower's filters as a <see cref="TaskQuery"/>, or the 400 that says how to write the one that is malformed.</summary>
    private static (TaskQuery? Query, IResult? Problem) ReadTaskQuery(IQueryCollection q)
    {
        var sortBy = Text(q["sort_by"]);
        if (sortBy is not null && !TaskQuery.SortKeys.Contains(sortBy.TrimStart('-')))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid sort_by", $"sort_by must be one of {string.Join(", ", TaskQuery.SortKeys)}, optionally with a leading '-'."));
        }
        // Flower lists every task it holds when no limit is given, and holds at most max_tasks (10,000 by default).
        if (!TryInt(q["limit"], MaxListed, out var limit) || !TryInt(q["offset"], 0, out var offset))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid limit or offset", "limit and offset must be whole numbers."));
        }
        var state = Text(q["state"]);
        if (state is not null && !CeleryStates.Contains(state))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid state", $"state '{state}' is not a Celery task state: use one of {string.Join(", ", CeleryStates)}."));
        }
        var (times, timeProblem) = ReadTimes(q);
        if (times is null)
        {
            return (null, timeProblem);
        }
        Func<TaskIndexEntry, bool>? search;
        try
        {
            search = FlowerSearch.Parse(q["search"].ToString());
        }
        catch (FormatException ex)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid search", ex.Message));
        }
        return (new TaskQuery
        {
            State = state?.ToUpperInvariant(),
            TaskName = Text(q["taskname"]),
            Worker = Text(q["workername"]),
            ReceivedFrom = times["received_start"],
            ReceivedTo = times["received_end"],
            StartedFrom = times["started_start"],
            StartedTo = times["started_end"],
            Where = search,
            Limit = Math.Clamp(limit, 0, MaxListed),
            Offset = Math.Max(0, offset),
            SortBy = sortBy,
        }, null);
    }

    /// <summary>Flower's time filters (<c>received_start</c> … <c>started_end</c>), each null when not given.</summary>
    private static (Dictionary<string, DateTimeOffset?>? Times, IResult? Problem) ReadTimes(IQueryCollection q)
    {
        var times = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        foreach (var name in new[] { "received_start", "received_end", "started_start", "started_end" })
        {
            var text = Text(q[name]);
            if (text is null)
            {
                times[name] = null;
            }
            else if (ParseFlowerTime(text) is { } parsed)
            {
                times[name] = parsed;
            }
            else
            {
                return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, $"Invalid {name}",
                    $"{name} '{text}' is not a time: write it as Flower does, YYYY-MM-DD HH:MM (UTC), e.g. 2026-11-24 09:30, or as ISO 8601 with an offset."));
            }
        }
        return (times, null);
    }

    /// <summary><c>GET /api/task/types</c>: the task names seen.</summary>
    public IResult ListTaskTypes() =>
        Json(new JsonObject { ["task-types"] = new JsonArray(registry.All.Select(t => (JsonNode?)t.Name).ToArray()) });

    /// <summary>
    /// <c>GET /api/task/info/{id}</c>: one task, as Flower answers it (<c>Task.as_dict()</c>, so with <c>uuid</c>), plus
    /// <c>task-id</c>, which Flower's own docstring example shows; 404 when unknown.
    /// </summary>
    public async Task<IResult> TaskInfoAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await monitoring.Store.GetTaskAsync(id, cancellationToken).ConfigureAwait(false);
            var meta = await results.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (entry is null && meta is null)
            {
                return ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown task", $"Unknown task '{id}'");
            }
            var task = FlowerTaskFormat.From(entry ?? FlowerTaskFormat.FromResult(meta!, time.GetUtcNow()), meta);
            // Flower serves Task.as_dict(), whose id is "uuid"; its docstring's example says "task-id" instead, so
            // scripts written from either find the id.
            task["task-id"] = id;
            // Ours, beyond Flower's: what a task detail view needs, including the chain still to run after
            // this task (its links' ids are known before they are sent).
            task["queue"] = entry?.Queue;
            task["priority"] = entry?.Priority;
            task["delivery_count"] = entry?.DeliveryCount;
            task["reason"] = entry?.Reason;
            task["chain"] = new JsonArray((entry?.Chain ?? []).Select(l => (JsonNode?)new JsonObject { ["task-id"] = l.TaskId, ["name"] = l.TaskName }).ToArray());
            return Json(task);
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    /// <summary>
    /// <c>GET /api/task/result/{id}</c> (<c>?timeout=</c> seconds to wait for it): <c>task-id</c>, <c>state</c>,
    /// and once ready <c>result</c> (and <c>traceback</c> for a failure). An unknown id is PENDING, as in Celery.
    /// </summary>
    public async Task<IResult> TaskResultAsync(string id, HttpRequest request, CancellationToken cancellationToken)
    {
        var timeoutText = Text(request.Query["timeout"]);
        double timeout = 0;
        if (timeoutText is not null && !(double.TryParse(timeoutText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out timeout) && double.IsFinite(timeout) && timeout >= 0))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid timeout",
                $"timeout must be a number of seconds to wait, 0 or more (at most {FlowerResults.WaitLimit.TotalSeconds:0} are waited); got '{timeoutText}'.");
        }
        try
        {
            var meta = timeout > 0
                ? await results.WaitAsync(id, TimeSpan.FromSeconds(Math.Min(timeout, FlowerResults.WaitLimit.TotalSeconds)), cancellationToken).ConfigureAwait(false)
                : await results.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return Json(FlowerResults.Json(id, meta));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    /// <summary>
    /// <c>GET /api/queues/length</c>: <c>{"active_queues": [{"name", "messages"}]}</c>, messages ready to be received;
    /// each queue's count is over all its lanes, and on a broker with lanes each named lane follows its queue as an
    /// entry of its own (<c>reports-high</c>).
    /// </summary>
    public async Task<IResult> QueueLengthsAsync(CancellationToken cancellationToken)
    {
        var depths = await queues.GetAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject
        {
            ["active_queues"] = new JsonArray(depths.SelectMany(d =>
                    d.Lanes.Where(l => l.Lane != QueueLanes.Base).Select(l => (l.Name, l.Waiting)).Prepend((d.Totals.Queue, d.Totals.Waiting)))
                .Select(q => (JsonNode?)new JsonObject { ["name"] = q.Item1, ["messages"] = q.Item2 }).ToArray()),
        });
    }

    private JsonObject WorkerJson(InstanceState w)
    {
        var total = new JsonObject();
        foreach (var (name, counters) in w.Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            total[name] = counters.Received;
        }
        return new JsonObject
        {
            ["active_queues"] = new JsonArray(w.Queues.Select(q => (JsonNode?)new JsonObject
            {
                ["name"] = q,
                ["routing_key"] = q,
                ["exchange"] = new JsonObject { ["name"] = q, ["type"] = "direct" },
                ["durable"] = true,
                ["exclusive"] = false,
                ["auto_delete"] = false,
                ["no_ack"] = false,
                ["alias"] = null,
                ["bindings"] = new JsonArray(),
                ["binding_arguments"] = null,
                ["queue_arguments"] = null,
                ["default_priority"] = router.DefaultPriorityOf(q),
            }).ToArray()),
            ["conf"] = new JsonObject(),
            ["registered"] = new JsonArray(registry.All.Select(t => (JsonNode?)t.Name).ToArray()),
            ["stats"] = new JsonObject
            {
                ["broker"] = new JsonObject { ["transport"] = "servicebus" },
                ["clock"] = w.HeartbeatAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["pid"] = w.ProcessId,
                ["hostname"] = w.Hostname,
                ["version"] = w.Version,
                ["pool"] = new JsonObject
                {
                    ["max-concurrency"] = w.Concurrency,
                    ["max-tasks-per-child"] = "N/A",
                    ["processes"] = new JsonArray(w.ProcessId),
                },
                ["prefetch_count"] = w.PrefetchCount,
                ["rusage"] = new JsonObject(),
                ["total"] = total,
                ["uptime"] = Math.Round((time.GetUtcNow() - w.StartedAt).TotalSeconds),
            },
            ["active"] = new JsonArray(w.Active.Select(t => (JsonNode?)FlowerWorkerFormat.Active(t, w)).ToArray()),
            ["reserved"] = new JsonArray(w.Reserved.Select(r => (JsonNode?)FlowerWorkerFormat.Reserved(r, w)).ToArray()),
            ["scheduled"] = new JsonArray(),
            // Celery workers each keep the revoked ids they heard of; here revocations live in Redis for all
            // instances at once (one key per task), so no per-worker list exists to show.
            ["revoked"] = new JsonArray(),
            ["timestamp"] = w.HeartbeatAt.ToUnixTimeMilliseconds() / 1000.0,
        };
    }

    // Celery's states (celery.states.ALL_STATES): Flower filters on any of them; some are never indexed here
    // (RECEIVED, REJECTED, IGNORED) and simply match nothing.
    private static readonly SortedSet<string> CeleryStates = new(StringComparer.OrdinalIgnoreCase)
    {
        TaskStates.Pending, "RECEIVED", TaskStates.Started, TaskStates.Success, TaskStates.Failure, TaskStates.Revoked, "REJECTED", TaskStates.Retry, "IGNORED",
    };

    private static readonly string[] FlowerTimeFormats =
    [
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>
    /// Flower's <c>%Y-%m-%d %H:%M</c>, read as UTC (Flower reads it in its server's local time zone; ours run in
    /// UTC), or ISO 8601 with an offset; null when it is neither.
    /// </summary>
    private static DateTimeOffset? ParseFlowerTime(string text) =>
        DateTimeOffset.TryParseExact(text, FlowerTimeFormats, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static IResult Json(JsonNode node) => FlowerResults.Response(node);

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 || string.IsNullOrWhiteSpace(value[0]) || value[0] == "All" ? null : value[0];

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, out int result)
    {
        result = fallback;
        return Text(value) is not { } text || int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out result);
    }

    private static bool IsTrue(string value) => value is "true" or "True" or "1" or "yes";
}
