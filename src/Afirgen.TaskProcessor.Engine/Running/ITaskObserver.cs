using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;

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
    /// <summary>The task is about to run (after the STARTED result, before the handler).</summary>
    void OnStarted(TaskEvent task) { }

    /// <summary>The handler returned; <paramref name="result"/> is what it returned (not stored if ignore_result).</summary>
    void OnSucceeded(TaskEvent task, JsonNode? result) { }

    /// <summary>
    /// The run failed and a retry was scheduled. <paramref name="retryNumber"/> is the retry about to
    /// happen (1 for the first), <paramref name="error"/> the error as <c>Type: message</c>.
    /// </summary>
    void OnRetryScheduled(TaskEvent task, int retryNumber, string error, DateTimeOffset eta) { }

    /// <summary>
    /// The task failed for good (FAILURE stored): <paramref name="reason"/> is one of
    /// <see cref="Broker.DeadLetterReasons"/>, <paramref name="error"/> the error as <c>Type: message</c>.
    /// </summary>
    void OnFailed(TaskEvent task, string reason, string error) { }

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
