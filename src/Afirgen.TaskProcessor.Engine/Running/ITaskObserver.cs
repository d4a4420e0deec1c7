using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Hears what the runner does with each task: the hook for status mirrors, monitoring counters and the
/// live "active tasks" view. Register any number with <c>services.AddSingleton&lt;ITaskObserver, …&gt;()</c>.
/// </summary>
/// <remarks>
/// Observers are called inline on the runner's path, so each call must return at once (queue the work,
/// never wait on I/O) and must not throw; an observer that throws is logged and the task goes on
/// unaffected. Every member has an empty default, so an observer implements only what it needs.
/// Calls for one task come in the order of its life, but calls for different tasks interleave freely.
/// </remarks>
public interface ITaskObserver
{
    /// <summary>
    /// A task was enqueued through this instance (the HTTP API, Flower's routes): Celery's <c>task-sent</c>.
    /// </summary>
    void OnSent(PublishedTask task) { }

    /// <summary>
    /// A message was received and read, before it waits for its rate limit or a slot (Celery's <c>task-received</c>);
    /// a message due later is received again when it is due. Not every received message starts: see
    /// <see cref="OnRejected"/>, <see cref="OnRevoked"/>.
    /// </summary>
    void OnReceived(TaskMessage message, string queue, int priority) { }

    /// <summary>
    /// A message was not run: malformed or naming an unknown task (dead-lettered, <see cref="RejectedMessage.Requeued"/>
    /// false), or given back to the broker to run again (the worker stopping, the result store down: requeued).
    /// </summary>
    void OnRejected(RejectedMessage message) { }

    /// <summary>The task is about to run (after the STARTED result, before the handler).</summary>
    void OnStarted(TaskEvent task) { }

    /// <summary>The handler returned; <paramref name="result"/> is what it returned (not stored if ignore_result).</summary>
    void OnSucceeded(TaskEvent task, JsonNode? result) { }

    /// <summary>
    /// The run failed and a retry was scheduled. <paramref name="retryNumber"/> is the retry about to
    /// happen (1 for the first), <paramref name="errorText"/> the error as <c>Type: message</c>.
    /// </summary>
    void OnRetryScheduled(TaskEvent task, int retryNumber, string errorText, DateTimeOffset eta) { }

    /// <summary>
    /// <see cref="OnRetryScheduled(TaskEvent, int, string, DateTimeOffset)"/> with the failure as Celery reports it (the
    /// exception as stored, the Python-shaped traceback). The runner calls this one; by default it calls that one.
    /// </summary>
    void OnRetryScheduled(TaskEvent task, int retryNumber, TaskFailure failure, DateTimeOffset eta) => OnRetryScheduled(task, retryNumber, failure.Error, eta);

    /// <summary>
    /// The task failed for good (FAILURE stored): <paramref name="reason"/> is one of
    /// <see cref="Broker.DeadLetterReasons"/>, <paramref name="errorText"/> the error as <c>Type: message</c>.
    /// </summary>
    void OnFailed(TaskEvent task, string reason, string errorText) { }

    /// <summary>
    /// <see cref="OnFailed(TaskEvent, string, string)"/> with the failure as Celery reports it. The runner calls this one;
    /// by default it calls that one.
    /// </summary>
    void OnFailed(TaskEvent task, TaskFailure failure) => OnFailed(task, failure.Reason, failure.Error);

    /// <summary>The task was not run because it was revoked or had expired (REVOKED stored).</summary>
    void OnRevoked(TaskEvent task, string reason) { }

    /// <summary>
    /// A revoke was asked for on this instance (API, CLI): <paramref name="previousState"/> is the task's
    /// state before it (null when nothing was stored; STARTED when it is running somewhere).
    /// Not tied to a delivery: the task may be queued, scheduled, running elsewhere or finished.
    /// </summary>
    void OnRevokeRequested(string taskId, string? previousState, bool terminate) { }

    /// <summary>
    /// The runner is done with this delivery, whatever happened (settled, abandoned, or lock lost). Called
    /// once for every <see cref="OnStarted"/>, so a live view can drop the task.
    /// </summary>
    void OnFinished(TaskEvent task) { }
}

/// <summary>What an <see cref="ITaskObserver"/> is told about a task (never its arguments).</summary>
/// <param name="TaskId">The Celery task id.</param>
/// <param name="TaskName">The registered task name.</param>
/// <param name="Queue">The queue the message came from.</param>
/// <param name="Priority">The priority it runs at (1–10).</param>
/// <param name="Retries">Retries before this run (Celery's <c>request.retries</c>).</param>
/// <param name="DeliveryCount">How many times the broker has delivered this message, this time included.</param>
/// <param name="MessageId">The broker's message id.</param>
/// <param name="ReceivedAt">When the run began (after the priority gate).</param>
/// <param name="EnqueuedAt">When the message became available on its queue (for a scheduled message, when it was due).</param>
public sealed record TaskEvent(
    string TaskId,
    string TaskName,
    string Queue,
    int Priority,
    int Retries,
    int DeliveryCount,
    string MessageId,
    DateTimeOffset ReceivedAt,
    DateTimeOffset EnqueuedAt)
{
    /// <summary>The task that enqueued this one (a chain's previous link, a callback's task, a child's parent); null for a top-level task.</summary>
    public string? ParentId { get; init; }

    /// <summary>The first task of the workflow this one belongs to, as the message says (Celery writes the task's own id for a top-level task).</summary>
    public string? RootId { get; init; }

    /// <summary>The chain's links still to run after this task, in order, with the ids they will run under; empty for none.</summary>
    public IReadOnlyList<ChainLink> Chain { get; init; } = [];
}

/// <summary>A message the runner did not run (see <see cref="ITaskObserver.OnRejected"/>).</summary>
/// <param name="TaskId">The task id, when the message had a readable one.</param>
/// <param name="TaskName">The task name, when the message had a readable one.</param>
/// <param name="Queue">The queue it came from.</param>
/// <param name="Reason">A dead-letter reason (<see cref="Broker.DeadLetterReasons"/>) or why it was given back.</param>
/// <param name="Description">What was wrong, as a sentence.</param>
/// <param name="Requeued">True when the message went back to the broker to run again; false when it was dead-lettered.</param>
public sealed record RejectedMessage(string? TaskId, string? TaskName, string Queue, string Reason, string Description, bool Requeued);

/// <summary>How a run failed, as the runner stored it.</summary>
/// <param name="Reason">A dead-letter reason (<see cref="Broker.DeadLetterReasons"/>), or <c>Retry</c> for a failure that is retried.</param>
/// <param name="Error">The error as <c>Type: message</c> (.NET's type).</param>
/// <param name="Exception">The exception as Celery stores it: <c>{exc_type, exc_message, exc_module}</c>.</param>
/// <param name="Traceback">The stored traceback, Python-shaped (null when there is none, e.g. at a hard time limit).</param>
public sealed record TaskFailure(string Reason, string Error, JsonObject Exception, string? Traceback)
{
    /// <summary>The reason of a failure that is retried.</summary>
    public const string RetryReason = "Retry";
}
