namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>A task's Celery options. Unset limits fall back to the processor's <c>TaskProcessor:TimeLimits</c>.</summary>
public sealed class TaskOptions
{
    /// <summary>Retries, back-off and which errors retry.</summary>
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>When the task's cancellation token fires (Celery's <c>soft_time_limit</c>).</summary>
    public TimeSpan? SoftTimeLimit { get; set; }

    /// <summary>When the runner gives up on the task and stores FAILURE (Celery's <c>time_limit</c>).</summary>
    public TimeSpan? HardTimeLimit { get; set; }

    /// <summary>Store no result (Celery's <c>ignore_result</c>).</summary>
    public bool IgnoreResult { get; set; }

    /// <summary>The task's own priority, used when a producer gives none (above its queue's default).</summary>
    public int? Priority { get; set; }

    /// <summary>
    /// The task's Python signature. When set, args and kwargs are bound to it before the handler runs and
    /// a call that does not fit fails at once with a <c>TypeError</c>; when null the handler reads raw args.
    /// </summary>
    public IReadOnlyList<TaskParameter>? Parameters { get; set; }

    /// <summary>One line on what the task does, shown by inspect and the dashboard.</summary>
    public string? Description { get; set; }
}
