namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// Which task ids have already sent their mail (<c>afirgen_tasks_sent_mail</c>, owned by the processor),
/// so a run repeated after a crash does not send it again.
/// </summary>
public interface ISentMailLedger
{
    /// <summary>True when the mail of <paramref name="taskId"/> was sent before.</summary>
    Task<bool> WasSentAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Records the mail of <paramref name="taskId"/> as sent (idempotent).</summary>
    Task RecordSentAsync(string taskId, string messageId, CancellationToken cancellationToken);
}
