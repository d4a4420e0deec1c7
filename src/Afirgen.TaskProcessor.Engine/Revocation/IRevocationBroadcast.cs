namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// Carries "terminate this task" to every worker instance, since any of them may be running it
/// (Celery's remote control did this over the broker's fanout, which Service Bus does not have).
/// </summary>
public interface IRevocationBroadcast
{
    /// <summary>Asks every instance, this one included, to cancel its runs of <paramref name="taskId"/>.</summary>
    Task BroadcastTerminateAsync(string taskId, CancellationToken cancellationToken);
}
