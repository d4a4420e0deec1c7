using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Diagnostics;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary>The benchmark's two workloads, the same two the Celery baseline runs.</summary>
internal sealed record BenchWorkload(string Name, string TaskName, Func<JsonObject> Kwargs)
{
    public static readonly BenchWorkload Noop = new("noop", DiagnosticTasks.Noop, () => []);

    public static readonly BenchWorkload Sleep10 = new("sleep10", DiagnosticTasks.Sleep, () => new JsonObject { ["seconds"] = 0.010 });

    public static IReadOnlyList<BenchWorkload> Select(string which) => which switch
    {
        "noop" => [Noop],
        "sleep10" => [Sleep10],
        "both" => [Noop, Sleep10],
        _ => throw new ArgumentException($"Unknown workload '{which}': use noop, sleep10 or both."),
    };
}

/// <summary>One workload's figures: medians over the rounds.</summary>
/// <remarks>
/// <see cref="CpuMicrosecondsPerTask"/> is the engine's CPU per task: the process's, less what the
/// in-process producer costs. <see cref="ProcessCpuMicrosecondsPerTask"/> is the whole process's,
/// producer and result poller included.
/// </remarks>
internal sealed record BenchFigures(string Settings, string Workload, int Count, int Rounds, double TasksPerSecond, double P50Ms, double P99Ms, double CpuMicrosecondsPerTask, double ProcessCpuMicrosecondsPerTask, int Concurrency);
