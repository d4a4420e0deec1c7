using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Docs.Tests.Samples;

/// <summary>
/// The task samples docs/configuration.md shows; <see cref="TaskSampleTests"/> runs them on the engine. The samples
/// spell their names out for the reader; the tests enqueue them by these constants, so a mismatch fails them.
/// </summary>
public static class TaskSamples
{
    public const string Archive = "samples.cleanup.archive_month";
    public const string Greet = "samples.greet";

    public static IServiceCollection AddSampleTasks(this IServiceCollection services)
    {
        // begin-snippet: register-a-task
        services.AddTask<ArchiveMonthTask>("samples.cleanup.archive_month", o =>
        {
            o.Description = "Archives one month of records.";
            // The task's Python signature: archive_month(month, dry_run=False)
            o.Parameters = [TaskParameter.RequiredParameter("month"), TaskParameter.Optional("dry_run", false)];
            o.Priority = 2;                                   // when the producer gives none
            o.SoftTimeLimit = TimeSpan.FromMinutes(10);       // the context's token fires
            o.HardTimeLimit = TimeSpan.FromMinutes(12);       // FAILURE stored, message dead-lettered
            o.Retry = new RetryPolicy
            {
                MaxRetries = 5,
                InitialDelay = TimeSpan.FromSeconds(30),
                Multiplier = 2,
                MaxDelay = TimeSpan.FromMinutes(10),
                JitterRatio = 0.2,
                ShouldRetry = ex => ex is TimeoutException or HttpRequestException,
            };
        });
        // end-snippet

        // begin-snippet: register-a-delegate-task
        services.AddTask("samples.greet",
            static context => ValueTask.FromResult<JsonNode?>(new JsonObject { ["greeting"] = $"Hello, {context.Get<string>("name")}" }),
            o => o.Parameters = [TaskParameter.Optional("name", "world")]);
        // end-snippet
        return services;
    }
}

// begin-snippet: task-handler
/// <summary>archive_month(month, dry_run=False): resolved from a fresh DI scope for every run.</summary>
public sealed class ArchiveMonthTask(TimeProvider time) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        // Arguments are bound as Python binds them, by name or position, with defaults applied.
        var month = context.Get<string>("month");
        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", out var first))
        {
            // Not retried: FAILURE with Python's ValueError, the message dead-lettered.
            throw new PermanentTaskException($"month must look like 2026-01; got '{month}'.");
        }
        if (first > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
        {
            // Retried under the same task id after this countdown (counts against MaxRetries).
            throw new TaskRetryException("That month has not begun yet.", TimeSpan.FromHours(1));
        }

        // The token fires at the soft time limit, on shutdown and on revoke --terminate.
        await Task.Delay(TimeSpan.FromMilliseconds(1), context.CancellationToken);

        // A follow-up task: routed by its name, it inherits this task's priority and joins its trace.
        var reportId = await context.EnqueueAsync("samples.greet", kwargs: new JsonObject { ["name"] = month });

        // The return value is stored as the SUCCESS result, as Celery's result backend stores it.
        return new JsonObject
        {
            ["month"] = month,
            ["dry_run"] = context.Get<bool>("dry_run"),
            ["attempt"] = context.Retries + 1,
            ["report"] = reportId,
        };
    }
}
// end-snippet
