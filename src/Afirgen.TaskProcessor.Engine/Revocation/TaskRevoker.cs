using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// Celery's <c>revoke(task_id, terminate=…)</c>, without remote control: the id is remembered as revoked
/// in the result store (every instance checks it before a run, in the same step that stores STARTED),
/// REVOKED is stored at once unless the task is running or finished, and every instance is told, so a task it
/// checked before the revocation and holds waiting for a slot does not start; with <c>terminate</c> the run in
/// progress on whichever instance has it is cancelled too. The HTTP API, the CLI and Flower's route call this.
/// </summary>
public sealed partial class TaskRevoker(
    IResultStore results, IRevocationBroadcast broadcast, TaskObservers observers, IOptions<RevocationOptions> options,
    TimeProvider time, RecentRevocations recent, ILogger<TaskRevoker> logger)
{
    /// <summary>Revokes <paramref name="taskId"/>; see the class summary.</summary>
    /// <exception cref="ResultStoreUnavailableException">Redis could not be reached: nothing was revoked.</exception>
    public async Task<RevokeOutcome> RevokeAsync(string taskId, bool terminate, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var revoked = new TaskResultMeta
        {
            TaskId = taskId,
            Status = TaskStates.Revoked,
            Result = Running.CeleryExceptionInfo.Create("TaskRevokedError", "celery.exceptions", terminate ? "terminated" : "revoked"),
            DateDone = time.GetUtcNow(),
        };
        var previous = await results.RevokeAsync(revoked, options.Value.Expires, cancellationToken).ConfigureAwait(false);
        recent.Add(taskId);
        var running = previous == TaskStates.Started;
        var finished = previous is not null && TaskStates.IsTerminal(previous);
        if (terminate && !finished)
        {
            // Also when not seen as STARTED: with track_started off a running task shows no state.
            await broadcast.BroadcastRevokeAsync(taskId, terminate: true, cancellationToken).ConfigureAwait(false);
        }
        else if (!finished)
        {
            // For the tasks already checked and waiting for a slot (track_started off: see TaskPipeline). The revocation is
            // stored, which is what counts: a worker that misses this checks such a task again once its check is a second old.
            try
            {
                await broadcast.BroadcastRevokeAsync(taskId, terminate: false, cancellationToken).ConfigureAwait(false);
            }
            catch (ResultStoreUnavailableException ex)
            {
                LogBroadcastFailed(logger, ex, taskId);
            }
        }
        observers.RevokeRequested(taskId, previous, terminate);
        LogRevoked(logger, taskId, previous ?? "unknown", terminate);
        return new RevokeOutcome(taskId, previous, terminate, AlreadyFinished: finished, StillRunning: running && !terminate);
    }

    [LoggerMessage(1403, LogLevel.Warning, "Task {TaskId} is revoked, but the other workers could not be told at once: a copy of it they have already checked may still start within a second")]
    private static partial void LogBroadcastFailed(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(1402, LogLevel.Information, "Task {TaskId} revoked (it was {PreviousState}; terminate: {Terminate})")]
    private static partial void LogRevoked(ILogger logger, string taskId, string previousState, bool terminate);
}

/// <summary>What a revoke did.</summary>
/// <param name="TaskId">The revoked task id.</param>
/// <param name="PreviousState">Its state before (null: nothing was stored, e.g. queued by a producer that stores no PENDING).</param>
/// <param name="Terminate">Whether a run in progress was asked to stop.</param>
/// <param name="AlreadyFinished">It had already finished: the revocation changes nothing but later duplicates.</param>
/// <param name="StillRunning">It is running and was not terminated: that run goes on and stores its own outcome.</param>
public sealed record RevokeOutcome(string TaskId, string? PreviousState, bool Terminate, bool AlreadyFinished, bool StillRunning);
