namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Default time limits (Celery's <c>task_soft_time_limit</c> / <c>task_time_limit</c>); a task's own
/// options and a message's <c>timelimit</c> header override them.
/// </summary>
public sealed class TimeLimitOptions
{
    public const string Section = "TaskProcessor:TimeLimits";

    /// <summary>When the task's cancellation token fires, so it can stop cleanly.</summary>
    public TimeSpan Soft { get; set; } = TimeSpan.FromSeconds(3300);

    /// <summary>When the runner stops waiting, stores FAILURE and dead-letters the message.</summary>
    public TimeSpan Hard { get; set; } = TimeSpan.FromSeconds(3600);
}
