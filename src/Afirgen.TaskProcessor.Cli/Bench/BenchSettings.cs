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
    public static readonly BenchSettings Celery = Create("celery",
        "the Celery baseline's settings: no STARTED, no extended results, no task events", afirgenFeatures: false);

    public static readonly BenchSettings Afirgen = Create("afirgen",
        "AFIRGen's settings: STARTED, extended results, the task index", afirgenFeatures: true);

    /// <summary>The three per-task features the Celery baseline leaves off, all on or all off.</summary>
    private static BenchSettings Create(string name, string description, bool afirgenFeatures)
    {
        var value = afirgenFeatures ? "true" : "false";
        return new BenchSettings(name, description, new Dictionary<string, string?>
        {
            [$"{ResultOptions.Section}:TrackStarted"] = value,
            [$"{ResultOptions.Section}:Extended"] = value,
            [$"{MonitoringOptions.Section}:TaskEvents"] = value,
        });
    }

    public static IReadOnlyList<BenchSettings> Select(string which) => which switch
    {
        "celery" => [Celery],
        "afirgen" => [Afirgen],
        "both" => [Celery, Afirgen],
        _ => throw new ArgumentException($"Unknown settings '{which}': use celery, afirgen or both."),
    };
}
