using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Engine.Diagnostics;

/// <summary>
/// Built-in tasks that exercise the processor without touching any AFIRGen system: for a first run,
/// smoke tests, and the benchmark. Unrouted names, so they go to the default queue unless a queue is given.
/// </summary>
public static class DiagnosticTasks
{
    public const string Echo = "diagnostics.echo";
    public const string Noop = "diagnostics.noop";
    public const string Sleep = "diagnostics.sleep";
    public const string FailTimes = "diagnostics.fail_n_times";
    public const string Fail = "diagnostics.fail";
    public const string FailUntil = "diagnostics.fail_until";

    internal static IServiceCollection AddDiagnosticTasks(this IServiceCollection services)
    {
        services.AddTask(Echo,
            static context => ValueTask.FromResult<JsonNode?>(new JsonObject
            {
                ["args"] = context.Args.DeepClone(),
                ["kwargs"] = context.Kwargs.DeepClone(),
            }),
            o => o.Description = "Returns its arguments.");

        services.AddTask(Noop, static _ => ValueTask.FromResult<JsonNode?>(null),
            o => o.Description = "Does nothing; measures the processor's own overhead.");

        services.AddTask<SleepTask>(Sleep, o =>
        {
            o.Description = "Waits asynchronously for the given seconds (an I/O-bound task).";
            o.Parameters = [TaskParameter.Optional("seconds", 0.01)];
        });

        services.AddTask(FailTimes,
            static context =>
            {
                var times = context.Get<int>("times");
                if (context.Retries < times)
                {
                    throw new InvalidOperationException($"Planned failure {context.Retries + 1} of {times}.");
                }
                return ValueTask.FromResult<JsonNode?>(new JsonObject { ["attempts"] = context.Retries + 1 });
            },
            o =>
            {
                o.Description = "Fails the first `times` attempts with a retryable error, then succeeds.";
                o.Parameters = [TaskParameter.Optional("times", 1)];
                o.Retry = new RetryPolicy { MaxRetries = 3, InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) };
            });

        services.AddTask(Fail,
            static context => throw new PermanentTaskException(context.Get<string>("message") ?? "Planned failure."),
            o =>
            {
                o.Description = "Fails at once with a non-retried error (lands in the dead-letter queue).";
                o.Parameters = [TaskParameter.Optional("message", "Planned failure.")];
            });
        services.AddTask<FailUntilTask>(FailUntil, o =>
        {
            o.Description = "Fails for good (dead-lettered) until the given time, then succeeds: a downstream outage to replay after.";
            o.Parameters = [TaskParameter.RequiredParameter("until")];
        });
        return services;
    }

    /// <summary>Fails before <c>until</c> (ISO 8601) on the injected clock, succeeds after it.</summary>
    private sealed class FailUntilTask(TimeProvider time) : ITaskHandler
    {
        public ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            var text = context.Get<string>("until");
            if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var until))
            {
                throw new PermanentTaskException($"until must be an ISO 8601 time; got '{text}'.");
            }
            if (time.GetUtcNow() < until)
            {
                throw new PermanentTaskException($"The downstream is unavailable until {until:O}.");
            }
            return ValueTask.FromResult<JsonNode?>(new JsonObject { ["until"] = text, ["ran"] = time.GetUtcNow().ToString("O") });
        }
    }

    /// <summary>
    /// Sleeps on the injected clock so tests can drive it; on the system clock, on <see cref="PreciseDelay"/>,
    /// so a 10 ms sleep lasts 10 ms rather than Task.Delay's next 4 ms kernel tick after it.
    /// </summary>
    private sealed class SleepTask(TimeProvider time) : ITaskHandler
    {
        public async ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            var seconds = context.Get<double>("seconds");
            if (seconds is < 0 or > 86_400)
            {
                throw new PermanentTaskException($"seconds must be between 0 and 86400; got {seconds}.");
            }
            var delay = TimeSpan.FromSeconds(seconds);
            await (time == TimeProvider.System
                ? PreciseDelay.WaitAsync(delay, context.CancellationToken)
                : Task.Delay(delay, time, context.CancellationToken)).ConfigureAwait(false);
            return new JsonObject { ["slept"] = seconds };
        }
    }
}
