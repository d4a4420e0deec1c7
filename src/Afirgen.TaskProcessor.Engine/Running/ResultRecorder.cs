using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Writes a task's states to the result store in Celery's shape (with the extended fields when asked): STARTED
/// before a run, the outcome after it, and PENDING again for a run given back at shutdown.
/// </summary>
internal sealed class ResultRecorder(IResultStore results, TimeProvider time, IOptions<ResultOptions> options, WorkerIdentity worker, ILogger<TaskRunner> logger)
{
    private static readonly TimeSpan OutcomeRetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly ResultOptions _options = options.Value;

    /// <summary>Whether a run stores STARTED (track_started), so its begin writes and must wait for its slot.</summary>
    public bool TracksStarted => _options.TrackStarted;

    /// <summary>The STARTED this attempt stores before its run, or null when STARTED is not tracked.</summary>
    public TaskResultMeta? StartedFor(in TaskAttempt attempt) =>
        _options.TrackStarted ? Meta(attempt.Message, attempt.Queue, TaskStates.Started, null, done: false) : null;

    /// <summary>
    /// Says whether the run may go ahead and stores <paramref name="started"/> if it may (one round trip; the key is built
    /// once by the store).
    /// </summary>
    public Task<BeginResult> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken abortToken) =>
        results.BeginAsync(taskId, started, abortToken);

    public Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken abortToken) => results.GetAsync(taskId, abortToken);

    /// <summary>Stores <paramref name="status"/> once, with no retrying: a store that is down gives the message back.</summary>
    public Task StoreAsync(TaskMessage message, string queue, string status, JsonNode? result, CancellationToken abortToken) =>
        results.StoreAsync(Meta(message, queue, status, result, done: true), abortToken);

    /// <summary>Stores a result that belongs to no message read (a rejected one, a chord's body): FAILURE with <paramref name="error"/>.</summary>
    public TaskResultMeta FailureOf(string taskId, JsonObject error, string? traceback = null) => new()
    {
        TaskId = taskId,
        Status = TaskStates.Failure,
        Result = error,
        Traceback = traceback,
        DateDone = time.GetUtcNow(),
    };

    public Task StoreAsync(TaskResultMeta meta, CancellationToken abortToken) => results.StoreAsync(meta, abortToken);

    /// <summary>The result of a finished attempt, to be stored with <see cref="StoreOutcomeAsync"/>.</summary>
    public TaskResultMeta Meta(TaskMessage message, string queue, string status, JsonNode? result, bool done) => new()
    {
        TaskId = message.Id,
        Status = status,
        Result = result,
        DateDone = done ? time.GetUtcNow() : null,
        Extended = _options.Extended
            ? new ExtendedResultFields(message.TaskName, message.Args, message.Kwargs, worker.Name, message.Retries, queue)
            : null,
    };

    /// <summary>
    /// Stores the outcome of a run whose handler has finished. While the result store cannot be reached it keeps trying
    /// for <see cref="ResultOptions.OutcomeRetryWindow"/> (the message's lock is renewed meanwhile), so that a short
    /// Redis restart does not turn into a second run of the handler; past the window it throws, and the message is
    /// abandoned for a redelivery, which runs the task again.
    /// </summary>
    public async Task StoreOutcomeAsync(TaskResultMeta meta, CancellationToken abortToken)
    {
        var giveUpAt = time.GetUtcNow() + _options.OutcomeRetryWindow;
        while (true)
        {
            try
            {
                await results.StoreAsync(meta, abortToken).ConfigureAwait(false);
                return;
            }
            catch (ResultStoreUnavailableException ex) when (time.GetUtcNow() < giveUpAt)
            {
                RunnerLog.OutcomeStoreRetrying(logger, meta.TaskId, meta.Status, ex.Message);
                await Task.Delay(OutcomeRetryDelay, time, abortToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Puts the result of a run given back at shutdown back to PENDING, if it is still the STARTED this run stored (a
    /// redelivery elsewhere may already have overwritten it). Best effort within a short time: the redelivered run
    /// overwrites it in any case.
    /// </summary>
    public async Task ReleaseStartedAsync(TaskResultMeta started)
    {
        try
        {
            await results.ReleaseStartedAsync(started, new TaskResultMeta { TaskId = started.TaskId, Status = TaskStates.Pending }, CancellationToken.None)
                .WaitAsync(DeliverySettler.Timeout, time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ResultStoreUnavailableException or TimeoutException)
        {
            RunnerLog.ReleaseFailed(logger, ex, started.TaskId);
        }
    }
}
