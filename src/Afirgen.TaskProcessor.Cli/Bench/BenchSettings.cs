using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary>
/// The engine settings a benchmark run uses. <see cref="Celery"/> matches what the Celery baseline does per task
/// (tools/celery/bench_app.py leaves task_track_started, result_extended and task events off, to measure Celery at
/// its best), so the two are compared doing the same work; <see cref="Afirgen"/> is what AFIRGen runs in production.
/// </summary>
internal sealed record BenchSettings(string Name, string Description, IReadOnlyDictionary<string, string?> Configuration)
{
    public static readonly BenchSettings Celery = new("celery",
        "the Celery baseline's settings: no STARTED, no extended results, no task events",
        new Dictionary<string, string?>
        {
            [$"{ResultOptions.Section}:TrackStarted"] = "false",
            [$"{ResultOptions.Section}:Extended"] = "false",
            [$"{MonitoringOptions.Section}:TaskEvents"] = "false",
        });

    public static readonly BenchSettings Afirgen = new("afirgen",
        "AFIRGen's settings: STARTED, extended results, the task index",
        new Dictionary<string, string?>
        {
            [$"{ResultOptions.Section}:TrackStarted"] = "true",
            [$"{ResultOptions.Section}:Extended"] = "true",
            [$"{MonitoringOptions.Section}:TaskEvents"] = "true",
        });

    public static IReadOnlyList<BenchSettings> Select(string which) => which switch
    {
        "celery" => [Celery],
        "afirgen" => [Afirgen],
        "both" => [Celery, Afirgen],
        _ => throw new ArgumentException($"Unknown settings '{which}': use celery, afirgen or both."),
    };
}
