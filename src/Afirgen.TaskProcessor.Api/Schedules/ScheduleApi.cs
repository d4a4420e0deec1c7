using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Api.Schedules;

/// <summary>
/// The periodic schedule (what Celery beat ran), as Hangfire's recurring-jobs page shows one: its cron, time zone,
/// next and last due time and tasks, and "run now", which enqueues the schedule's tasks at once through the engine's
/// own <see cref="ScheduledTaskEnqueuer"/>, the code both hosts' timers call.
/// </summary>
public sealed class ScheduleApi(ScheduledTaskEnqueuer enqueuer, IOptions<ScheduleOptions> options, JsonBodyReader bodies, TimeProvider time)
{
    /// <summary><c>GET /api/schedules</c>: every schedule with its next run.</summary>
    public IResult List()
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        CronSchedule.TryParse(settings.Cron, settings.TimeZone, out var cron, out var error);
        return Results.Ok(new[]
        {
            new
            {
                name = settings.Name,
                cron = settings.Cron,
                timeZone = settings.TimeZone,
                // The local host's switch; the Functions app's timer is switched by AzureWebJobs.ScheduleCleanup.Disabled.
                enabled = settings.Enabled,
                nextRun = cron?.NextAfter(now),
                lastDue = cron?.LatestAtOrBefore(now, TimeSpan.FromDays(366)),
                error,
                tasks = enqueuer.Tasks.Select(t => new { task = t.Task, kwargs = t.Kwargs, priority = t.Priority }).ToArray(),
            },
        });
    }

    /// <summary>
    /// <c>POST /api/schedules/{name}/run</c> (no body, or a JSON object): enqueues the schedule's tasks now, each
    /// under a new id; 202 with them; 404 for an unknown schedule.
    /// </summary>
    public async Task<IResult> RunNowAsync(string name, HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await bodies.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (body is not (null or JsonObject))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid body", "Run now takes no body (or an empty JSON object {}).");
        }
        var scheduleName = options.Value.Name;
        if (!string.Equals(name, scheduleName, StringComparison.Ordinal))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown schedule", $"There is no schedule named '{name}'; the schedules are: {scheduleName}.");
        }
        try
        {
            var published = await enqueuer.EnqueueNowAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(new
            {
                schedule = name,
                enqueued = published.Select(p => new { id = p.TaskId, name = p.TaskName, queue = p.Queue, priority = p.Priority }).ToArray(),
            }, statusCode: StatusCodes.Status202Accepted);
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }
}
