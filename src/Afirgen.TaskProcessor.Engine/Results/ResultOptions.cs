namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>How results are stored (Celery's <c>result_*</c> and <c>task_track_started</c> settings).</summary>
public sealed class ResultOptions
{
    public const string Section = "TaskProcessor:Results";

    /// <summary>
    /// How long a result is kept (Celery's <c>result_expires</c>). Default one hour, AFIRGen's setting
    /// (Celery's own default is one day).
    /// </summary>
    public TimeSpan Expires { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Store STARTED when a task begins (Celery's <c>task_track_started</c>).</summary>
    public bool TrackStarted { get; set; } = true;

    /// <summary>
    /// Store the task's name, args, kwargs, worker, retries and queue with its result (Celery's
    /// <c>result_extended</c>). Default on, AFIRGen's setting (Celery's own default is off).
    /// </summary>
    public bool Extended { get; set; } = true;
}
