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

    /// <summary>
    /// How long the runner keeps trying to store the outcome of a task whose handler has finished while the result
    /// store cannot be reached, holding (and renewing) its message meanwhile, before it gives the message back, to be
    /// run again. Covers a Redis restart; keep it under half the broker's lock or lease. Default 15 seconds.
    /// </summary>
    public TimeSpan OutcomeRetryWindow { get; set; } = TimeSpan.FromSeconds(15);
}
