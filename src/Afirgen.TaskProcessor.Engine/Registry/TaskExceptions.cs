namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>
/// A failure that retrying cannot fix (bad input, not found, not allowed): the task fails at once,
/// whatever retries it has left.
/// </summary>
public class PermanentTaskException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The Python exception type Celery clients see (<c>exc_type</c>); ValueError unless a subclass says otherwise.</summary>
    public virtual string PythonType => "ValueError";
}

/// <summary>
/// The task was called with arguments that do not fit its parameters (Python's <c>TypeError</c>):
/// a missing required argument, an unexpected keyword, or a value of the wrong type.
/// </summary>
public sealed class TaskArgumentException(string message) : PermanentTaskException(message)
{
    public override string PythonType => "TypeError";
}

/// <summary>
/// Thrown by a handler to ask for a retry (Celery's <c>self.retry()</c>), after <see cref="Countdown"/> when
/// given, else after the policy's back-off. Counts against the task's maximum retries.
/// </summary>
public sealed class TaskRetryException(string reason, TimeSpan? countdown = null, Exception? inner = null) : Exception(reason, inner)
{
    public TimeSpan? Countdown { get; } = countdown;
}
