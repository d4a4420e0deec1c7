namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>The result of reading a message body: a task message, or why it was refused.</summary>
public abstract record ParseOutcome
{
    private ParseOutcome() { }

    /// <summary>The body is a valid Celery message.</summary>
    public sealed record Parsed(TaskMessage Message) : ParseOutcome;

    /// <summary>
    /// The body was refused. <paramref name="Reason"/> is a constant from <c>DeadLetterReasons</c>;
    /// <paramref name="Description"/> says what was wrong in a sentence; <paramref name="TaskId"/> and
    /// <paramref name="TaskName"/> are filled when they could be read, so a FAILURE can still be stored.
    /// </summary>
    public sealed record Rejected(string Reason, string Description, string? TaskId, string? TaskName) : ParseOutcome;
}
