namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>The moments AFIRGen's workers recorded in <c>background_tasks</c>.</summary>
internal enum MirrorTransition
{
    /// <summary><c>status='running'</c>, <c>started_at</c>.</summary>
    Running,

    /// <summary><c>status='pending'</c>, <c>retry_count</c>, <c>error_message='Retry n: …'</c>.</summary>
    RetryScheduled,

    /// <summary><c>status='completed'</c>, <c>result</c>, <c>completed_at</c>.</summary>
    Completed,

    /// <summary><c>status='failed'</c>, <c>error_message='Failed after n retries: …'</c>, <c>completed_at</c>.</summary>
    Failed,

    /// <summary><c>status='cancelled'</c>, <c>completed_at</c>.</summary>
    Cancelled,
}

/// <summary>One change to one row, waiting to be written.</summary>
/// <param name="Transition">Which moment.</param>
/// <param name="TaskId">The row's <c>task_id</c>.</param>
/// <param name="At">When it happened (written as <c>started_at</c> or <c>completed_at</c>).</param>
/// <param name="RetryCount">Running: retries before this run; RetryScheduled: the retry about to happen.</param>
/// <param name="ErrorMessage">The <c>error_message</c> text, for retries and failures.</param>
/// <param name="ResultJson">The <c>result</c> JSON, for completions.</param>
internal sealed record MirrorUpdate(
    MirrorTransition Transition,
    string TaskId,
    DateTimeOffset At,
    int RetryCount = 0,
    string? ErrorMessage = null,
    string? ResultJson = null);
