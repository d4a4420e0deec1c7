namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// Carries a revocation to every worker instance, since any of them may be running the task, or hold it checked and
/// waiting for a slot (Celery's remote control did this over the broker's fanout, which Service Bus does not have).
/// </summary>
public interface IRevocationBroadcast
{
    /// <summary>
    /// Tells every instance, this one included, that <paramref name="taskId"/> is revoked: its tasks waiting for a slot
    /// must not start, and with <paramref name="terminate"/> its runs in progress are cancelled too.
    /// </summary>
    Task BroadcastRevokeAsync(string taskId, bool terminate, CancellationToken cancellationToken);
}
