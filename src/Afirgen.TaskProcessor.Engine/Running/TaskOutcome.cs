using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// What is to become of a delivered task, decided apart from being done (as Wolverine's executor returns a
/// continuation): <see cref="TaskTriage"/> decides before a run, <see cref="OutcomeDecider"/> after it, and
/// <see cref="OutcomeActions"/> carries the decision out (store, publish follow-ups, settle). A value, so deciding
/// allocates nothing; each kind reads only the fields its factory sets.
/// </summary>
internal readonly struct TaskOutcome
{
    /// <summary>The decisions there are.</summary>
    public enum Kinds
    {
        /// <summary>Nothing stops the run (the triage's answer for most deliveries).</summary>
        Run,

        /// <summary>Store SUCCESS (when <see cref="StoreResult"/>), join its chord, send its follow-ups, complete.</summary>
        Succeeded,

        /// <summary>Store RETRY, send retry <see cref="RetryNumber"/> due after <see cref="Delay"/>, complete.</summary>
        RetryScheduled,

        /// <summary>Store FAILURE with its traceback, join its chord, send its errbacks, dead-letter with <see cref="Reason"/>.</summary>
        Failed,

        /// <summary>The handler ran past its hard limit (<see cref="Limit"/>): as <see cref="Failed"/>, without a traceback.</summary>
        TimedOut,

        /// <summary>Revoked (before its run, or terminated during it): store REVOKED, join its chord, complete.</summary>
        Revoked,

        /// <summary>Past its expiry: as <see cref="Revoked"/>, told as an expiry.</summary>
        Expired,

        /// <summary>Due later than now: hand it back to the broker until its ETA, complete.</summary>
        Deferred,

        /// <summary>A terminal result (<see cref="Existing"/>) is already stored: re-send what followed it, complete.</summary>
        AlreadyFinished,

        /// <summary>A redelivered attempt whose retry carries the task on: re-send retry <see cref="RetryNumber"/> when it is not 0, complete.</summary>
        SupersededByRetry,

        /// <summary>No handler is registered under its name: store FAILURE (NotRegistered), fail its chord, dead-letter.</summary>
        NotRegistered,
    }

    private TaskOutcome(Kinds kind, JsonNode? result = null, string? reason = null, string? description = null, string? summary = null,
        string? traceback = null, Exception? exception = null, int retryNumber = 0, TimeSpan delay = default)
    {
        Kind = kind;
        Result = result;
        Reason = reason;
        Description = description;
        Summary = summary;
        Traceback = traceback;
        Exception = exception;
        RetryNumber = retryNumber;
        Delay = delay;
    }

    public Kinds Kind { get; }

    /// <summary>The task's return value, or the exception info (Celery's <c>exc_type</c>/<c>exc_message</c>) stored for a failure or revocation.</summary>
    public JsonNode? Result { get; }

    /// <summary><see cref="Result"/> as the exception info it is for a failure or retry.</summary>
    public JsonObject Error => (JsonObject)Result!;

    /// <summary>Child tasks the run enqueued (Celery's <c>children</c>), for <see cref="Kinds.Succeeded"/>.</summary>
    public JsonArray? Children { get; init; }

    /// <summary>Whether a success is stored (false when the task or message ignores results).</summary>
    public bool StoreResult { get; init; }

    /// <summary>A <see cref="DeadLetterReasons"/> constant, or why a task was revoked.</summary>
    public string? Reason { get; }

    /// <summary>The dead-letter description: what went wrong, in a sentence.</summary>
    public string? Description { get; }

    /// <summary>What observers (monitoring) are told of a failure or retry.</summary>
    public string? Summary { get; }

    public string? Traceback { get; }

    /// <summary>The exception the handler ended with, unwrapped from a retry request.</summary>
    public Exception? Exception { get; }

    public int RetryNumber { get; }

    /// <summary>The retries a task's policy allows, for <see cref="Kinds.RetryScheduled"/>.</summary>
    public int MaxRetries { get; init; }

    public TimeSpan Delay { get; }

    /// <summary>The hard time limit a <see cref="Kinds.TimedOut"/> run exceeded.</summary>
    public TimeSpan Limit { get; init; }

    /// <summary>The terminal result already stored, for <see cref="Kinds.AlreadyFinished"/>.</summary>
    public TaskResultMeta? Existing { get; init; }

    public static TaskOutcome Run => default;

    public static TaskOutcome Succeeded(JsonNode? result, JsonArray? children, bool storeResult) =>
        new(Kinds.Succeeded, result) { Children = children, StoreResult = storeResult };

    public static TaskOutcome RetryScheduled(int retryNumber, int maxRetries, TimeSpan delay, Exception exception, JsonObject info, string traceback, string summary) =>
        new(Kinds.RetryScheduled, info, summary: summary, traceback: traceback, exception: exception, retryNumber: retryNumber, delay: delay) { MaxRetries = maxRetries };

    public static TaskOutcome Failed(string reason, string description, JsonObject info, string traceback, Exception exception, string summary) =>
        new(Kinds.Failed, info, reason, description, summary, traceback, exception);

    public static TaskOutcome TimedOut(TimeSpan limit, string description, JsonObject info, string summary) =>
        new(Kinds.TimedOut, info, DeadLetterReasons.HardTimeLimitExceeded, description, summary) { Limit = limit };

    public static TaskOutcome Revoked(string reason) =>
        new(Kinds.Revoked, CeleryExceptionInfo.Create("TaskRevokedError", "celery.exceptions", reason), reason);

    public static TaskOutcome Expired() =>
        new(Kinds.Expired, CeleryExceptionInfo.Create("TaskRevokedError", "celery.exceptions", "expired"), "expired");

    public static TaskOutcome Deferred => new(Kinds.Deferred);

    public static TaskOutcome AlreadyFinished(TaskResultMeta existing) => new(Kinds.AlreadyFinished) { Existing = existing };

    public static TaskOutcome SupersededByRetry(int resendRetryNumber, TimeSpan delay) =>
        new(Kinds.SupersededByRetry, retryNumber: resendRetryNumber, delay: delay);

    public static TaskOutcome NotRegistered(string taskName) =>
        new(Kinds.NotRegistered, CeleryExceptionInfo.Create("NotRegistered", "celery.exceptions", taskName), DeadLetterReasons.UnknownTask,
            $"No task named '{taskName}' is registered with this worker; check the name or deploy a worker that has it.");
}
