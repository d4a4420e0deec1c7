using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Inspect;

/// <summary>
/// What <c>celery inspect active | registered | stats | active_queues | scheduled | reserved</c> answered,
/// across every instance that shares the Redis (from their heartbeats, not a broadcast: Service Bus has
/// none). <c>GET /api/inspect/{command}</c>; <c>afirgen-tasks inspect</c> prints the same.
/// </summary>
public sealed class InspectApi(MonitoringReader monitoring, TaskRegistry registry, TaskRouter router, IQueueStatisticsSource queues, QueueDepthReader depths, TimeProvider time)
{
    /// <summary>The commands, as routed and as the CLI names them.</summary>
    public static readonly IReadOnlyList<string> Commands = ["active", "registered", "stats", "active_queues", "scheduled", "reserved"];

    /// <summary><c>GET /api/inspect/{command}</c>.</summary>
    public Task<IResult> InspectAsync(string command, CancellationToken cancellationToken) => command switch
    {
        "active" => GuardAsync(ActiveAsync, cancellationToken),
        "registered" => GuardAsync(RegisteredAsync, cancellationToken),
        "stats" => GuardAsync(StatsAsync, cancellationToken),
        "active_queues" => GuardAsync(ActiveQueuesAsync, cancellationToken),
        "scheduled" => GuardAsync(ScheduledAsync, cancellationToken),
        "reserved" => GuardAsync(ReservedAsync, cancellationToken),
        _ => Task.FromResult(ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown inspect command",
            $"There is no inspect command '{command}'; use one of {string.Join(", ", Commands)}.")),
    };

    /// <summary>Per worker, the tasks it runs now; tasks of a worker that stopped heartbeating are listed under it as lost.</summary>
    public async Task<object> ActiveAsync(CancellationToken cancellationToken)
    {
        var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        var answer = view.Alive.ToDictionary(w => w.Name, w => w.Active.Select(t => ActiveTaskView.From(t, "active", null)).ToList(), StringComparer.Ordinal);
        foreach (var lost in view.Lost)
        {
            if (!answer.TryGetValue(lost.Worker, out var list))
            {
                answer[lost.Worker] = list = [];
            }
            list.Add(ActiveTaskView.From(lost.Task, ActiveTaskView.LostState, lost.RedeliveryBy));
        }
        return answer;
    }

    /// <summary>Per worker, the tasks it can run, with their options.</summary>
    public async Task<object> RegisteredAsync(CancellationToken cancellationToken)
    {
        var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        // Every instance runs the same package (worker groups only choose queues), so this one's registry is theirs.
        var tasks = registry.All.Select(RegisteredTaskView).ToArray();
        return view.Alive.ToDictionary(w => w.Name, _ => tasks, StringComparer.Ordinal);
    }

    /// <summary>Per worker: identity, capacity, queues, counters.</summary>
    public async Task<object> StatsAsync(CancellationToken cancellationToken)
    {
        var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return view.Alive.ToDictionary(w => w.Name, w => new WorkerStatsView(
            w.Hostname, w.ProcessId, w.Version, w.StartedAt, Math.Round((now - w.StartedAt).TotalSeconds), w.HeartbeatAt,
            w.Concurrency, w.PrefetchCount, w.Queues, w.Active.Count, w.Reserved.Count,
            w.Counters.ToDictionary(c => c.Key, c => c.Value.Received, StringComparer.Ordinal),
            w.Counters, w.DroppedEvents), StringComparer.Ordinal);
    }

    /// <summary>
    /// Per queue: who consumes it, what it holds (waiting, scheduled, in flight, dead-lettered, over every lane), and its
    /// lanes with their own figures (empty where the broker keeps no lanes).
    /// </summary>
    public async Task<object> ActiveQueuesAsync(CancellationToken cancellationToken)
    {
        var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        var all = await depths.GetAsync(cancellationToken).ConfigureAwait(false);
        // The broker's in-flight count holds both a worker's running tasks and the messages it prefetched and holds for a
        // free slot; the workers' heartbeats tell them apart.
        return all.Select(d => new QueueView(d.Totals.Queue, router.DefaultPriorityOf(d.Totals.Queue),
            view.Alive.Where(w => w.Queues.Contains(d.Totals.Queue, StringComparer.OrdinalIgnoreCase)).Select(w => w.Name).ToArray(),
            d.Totals.Waiting, d.Totals.Scheduled, d.Totals.InFlight, d.Totals.DeadLettered,
            view.Alive.Sum(w => w.Active.Count(t => string.Equals(t.Queue, d.Totals.Queue, StringComparison.OrdinalIgnoreCase))),
            view.Alive.Sum(w => w.Reserved.Count(r => string.Equals(r.Queue, d.Totals.Queue, StringComparison.OrdinalIgnoreCase))),
            d.Lanes)).ToArray();
    }

    /// <summary>
    /// Tasks due later (an ETA, a countdown or a retry's back-off). The broker holds them, not a worker, so
    /// the answer is per queue: the broker's count, and the tasks the index knows are due later.
    /// </summary>
    public async Task<object> ScheduledAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stats = await queues.GetStatisticsAsync(router.Queues, cancellationToken).ConfigureAwait(false);
        var due = new List<TaskIndexEntry>();
        foreach (var state in new[] { TaskStates.Pending, TaskStates.Retry })
        {
            due.AddRange(await monitoring.Store.QueryTasksAsync(new TaskQuery { State = state, Limit = 1000 }, cancellationToken).ConfigureAwait(false));
        }
        return stats.Select(s => new ScheduledQueueView(s.Queue, s.Scheduled,
            due.Where(e => e.Eta > now && string.Equals(e.Queue, s.Queue, StringComparison.OrdinalIgnoreCase))
               .OrderBy(e => e.Eta)
               .Select(e => new ScheduledTaskView(e.TaskId, e.Name, e.Priority, e.Eta!.Value, e.State, e.Retries ?? 0))
               .ToArray())).ToArray();
    }

    /// <summary>Per worker, the messages it holds (prefetched) and has not started yet.</summary>
    public async Task<object> ReservedAsync(CancellationToken cancellationToken)
    {
        var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
        return view.Alive.ToDictionary(w => w.Name, w => w.Reserved, StringComparer.Ordinal);
    }

    internal static object RegisteredTaskView(TaskDefinition t) => new
    {
        name = t.Name,
        description = t.Options.Description,
        priority = t.Options.Priority,
        maxRetries = t.Options.Retry.MaxRetries,
        softTimeLimit = t.Options.SoftTimeLimit?.TotalSeconds,
        hardTimeLimit = t.Options.HardTimeLimit?.TotalSeconds,
        ignoreResult = t.Options.IgnoreResult,
        parameters = t.Options.Parameters?.Select(p => p.Name).ToArray(),
    };

    private static async Task<IResult> GuardAsync(Func<CancellationToken, Task<object>> read, CancellationToken cancellationToken)
    {
        try
        {
            return Results.Ok(await read(cancellationToken).ConfigureAwait(false));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }
}

/// <summary>A running (or lost) task as inspect shows it.</summary>
public sealed record ActiveTaskView(
    string Id, string Name, string Queue, int Priority, int Retries, int DeliveryCount, string MessageId,
    DateTimeOffset ReceivedAt, DateTimeOffset StartedAt, string State, DateTimeOffset? RedeliveryBy)
{
    /// <summary>The state of a task whose worker stopped heartbeating while running it.</summary>
    public const string LostState = "lost, awaiting redelivery";

    public static ActiveTaskView From(ActiveTask t, string state, DateTimeOffset? redeliveryBy) =>
        new(t.TaskId, t.Name, t.Queue, t.Priority, t.Retries, t.DeliveryCount, t.MessageId, t.ReceivedAt, t.StartedAt, state, redeliveryBy);
}

public sealed record WorkerStatsView(
    string Hostname, int Pid, string Version, DateTimeOffset StartedAt, double UptimeSeconds, DateTimeOffset HeartbeatAt,
    int Concurrency, int PrefetchCount, IReadOnlyList<string> Queues, int Active, int Reserved,
    IReadOnlyDictionary<string, long> Total, IReadOnlyDictionary<string, TaskCounters> Counters, long DroppedEvents);

/// <summary>
/// A queue as inspect and the dashboard show it. Of what the broker counts in flight, <c>Running</c> are the tasks live
/// workers run now and <c>Held</c> the messages they hold (prefetched, Celery's reserved) and have not started.
/// <c>Lanes</c>: on a broker with lanes (Service Bus) each lane's own figures, highest first, the base lane last.
/// </summary>
public sealed record QueueView(string Name, int DefaultPriority, IReadOnlyList<string> Consumers, long Waiting, long Scheduled, long InFlight, long DeadLettered,
    long Running, long Held, IReadOnlyList<LaneDepth> Lanes);

public sealed record ScheduledQueueView(string Queue, long Scheduled, IReadOnlyList<ScheduledTaskView> Tasks);

public sealed record ScheduledTaskView(string Id, string? Name, int? Priority, DateTimeOffset Eta, string State, int Retries);
