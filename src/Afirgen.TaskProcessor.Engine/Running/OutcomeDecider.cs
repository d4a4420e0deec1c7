using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Decides what a finished run means, without doing any of it (as Hangfire's retry filter decides the next state):
/// a success; a retry while the task's <see cref="RetryPolicy"/> allows one; otherwise a failure with the reason the
/// message is dead-lettered for; REVOKED whatever the handler ended with when it was terminated.
/// </summary>
internal sealed class OutcomeDecider(RetryRandom random)
{
    public TaskOutcome Decide(in RunOutcome run, TaskMessage message, TaskDefinition definition, bool terminated)
    {
        if (terminated && run.Ending != RunOutcome.Endings.Succeeded)
        {
            // Revoked with terminate while running: whatever the cancelled handler ended with, the
            // outcome is REVOKED (Celery: "terminated"), not a failure to retry or dead-letter.
            return TaskOutcome.Revoked("terminated");
        }
        switch (run.Ending)
        {
            case RunOutcome.Endings.Succeeded:
                return TaskOutcome.Succeeded(run.Result, run.Children, storeResult: !(message.IgnoreResult || definition.Options.IgnoreResult));

            case RunOutcome.Endings.HardTimeLimitExceeded:
                var description = $"The task ran longer than its hard time limit of {run.HardLimit.TotalSeconds:0.###} s.";
                var info = CeleryExceptionInfo.Create("TimeLimitExceeded", "billiard.exceptions", description);
                return TaskOutcome.TimedOut(run.HardLimit, description, info, "TimeLimitExceeded: " + description);

            default:
                return DecideFailure(run.Exception!, run.SoftTimeLimit, message, definition.Options.Retry);
        }
    }

    private TaskOutcome DecideFailure(Exception raised, bool softTimeLimit, TaskMessage message, RetryPolicy policy)
    {
        var exception = raised is TaskRetryException { InnerException: { } inner } ? inner : raised;
        var wantsRetry = !softTimeLimit && (raised is TaskRetryException || policy.ShouldRetry(raised));

        if (wantsRetry && message.Retries < policy.MaxRetries)
        {
            var retryNumber = message.Retries + 1;
            var delay = policy.DelayFor(retryNumber, random.Random, (raised as TaskRetryException)?.Countdown);
            var retryInfo = CeleryExceptionInfo.From(exception);
            return TaskOutcome.RetryScheduled(retryNumber, policy.MaxRetries, delay, exception, retryInfo,
                PythonTraceback.Format(exception, retryInfo), CeleryExceptionInfo.Describe(retryInfo, exception));
        }

        string reason;
        string description;
        JsonObject info;
        if (softTimeLimit)
        {
            reason = DeadLetterReasons.SoftTimeLimitExceeded;
            description = "The task was cancelled at its soft time limit.";
            info = CeleryExceptionInfo.Create("SoftTimeLimitExceeded", "billiard.exceptions", description);
        }
        else if (wantsRetry)
        {
            reason = DeadLetterReasons.MaxRetriesExceeded;
            info = CeleryExceptionInfo.From(exception);
            description = $"Failed after {message.Retries} retries: {CeleryExceptionInfo.Describe(info, exception)}";
        }
        else
        {
            reason = DeadLetterReasons.TaskFailed;
            info = CeleryExceptionInfo.From(exception);
            description = CeleryExceptionInfo.Describe(info, exception);
        }
        var summary = softTimeLimit ? "SoftTimeLimitExceeded: " + description : CeleryExceptionInfo.Describe(info, exception);
        return TaskOutcome.Failed(reason, description, info, PythonTraceback.Format(exception, info), exception, summary);
    }
}
