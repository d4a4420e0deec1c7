namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>The broadcast when results live in memory (no Redis): there is only this process to tell.</summary>
public sealed class LocalRevocationBroadcast(RunningTasks running) : IRevocationBroadcast
{
    public Task BroadcastTerminateAsync(string taskId, CancellationToken cancellationToken)
    {
        running.Terminate(taskId);
        return Task.CompletedTask;
    }
}
