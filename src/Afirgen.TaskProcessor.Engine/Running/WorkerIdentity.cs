namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>Who this worker instance is, as results (<c>worker</c>) and monitoring name it.</summary>
public sealed class WorkerIdentity
{
    public WorkerIdentity(TimeProvider time, string? name = null)
    {
        Hostname = Environment.MachineName;
        ProcessId = Environment.ProcessId;
        Name = name ?? $"afirgen-tasks-{ProcessId}@{Hostname}";
        StartedAt = time.GetUtcNow();
    }

    /// <summary>The worker's name, Celery style (<c>name@host</c>).</summary>
    public string Name { get; }
    public string Hostname { get; }
    public int ProcessId { get; }
    public DateTimeOffset StartedAt { get; }
}
