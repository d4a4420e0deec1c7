namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>The broadcast when results live in memory (no Redis): there is only this process to tell.</summary>
public sealed class LocalRevocationBroadcast(RunningTasks running) : IRevocationBroadcast
{
    public Task BroadcastRevokeAsync(string taskId, bool terminate, CancellationToken cancellationToken)
    {
        running.Revoke(taskId, terminate);
        return Task.CompletedTask;
    }
}
