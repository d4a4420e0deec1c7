using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>The states a monitoring store counts, and which of them count towards throughput; every store keeps the same.</summary>
public static class IndexedStates
{
    /// <summary>The states the index keeps a list of, in Celery's order of a task's life.</summary>
    public static IReadOnlyList<string> All { get; } =
        [TaskStates.Pending, TaskStates.Started, TaskStates.Retry, TaskStates.Success, TaskStates.Failure, TaskStates.Revoked];

    /// <summary>The throughput counter a task reaching <paramref name="state"/> adds to; null when that state is not counted.</summary>
    public static string? ThroughputField(string state) => state switch
    {
        TaskStates.Success => "succeeded",
        TaskStates.Failure => "failed",
        TaskStates.Retry => "retried",
        _ => null,
    };
}
