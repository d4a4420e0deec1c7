using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Decides, before a run, whether an admitted delivery runs at all, in this order of truth: a terminal result already
/// stored → settle without running; expired → REVOKED; due later → back to the broker until its ETA; unknown task →
/// dead-letter; a redelivered attempt whose retry already carries the task on → settle without running. Most deliveries
/// (first delivery, due, registered) are let through without a round trip and without allocating.
/// </summary>
internal sealed class TaskTriage(ResultRecorder recorder, TimeProvider time, RetryRandom random)
{
    // Below this an early message runs now rather than taking a round trip through the broker: brokers
    // schedule to about a second, and clocks differ by that much.
    private static readonly TimeSpan EtaTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Whether <paramref name="message"/> has expired by <paramref name="now"/>.</summary>
    public static bool IsExpired(TaskMessage message, DateTimeOffset now) => message.Expires is { } expires && expires <= now;

    /// <summary>Whether <paramref name="message"/> is due so much later than <paramref name="now"/> that it goes back to the broker.</summary>
    public static bool IsEarly(TaskMessage message, DateTimeOffset now) => message.Eta is { } eta && eta - now > EtaTolerance;

    /// <summary>What becomes of <paramref name="attempt"/> before it runs; <see cref="TaskOutcome.Run"/> when nothing stops it.</summary>
    public ValueTask<TaskOutcome> CheckAsync(TaskAttempt attempt, TaskDefinition? definition, CancellationToken abortToken)
    {
        var now = time.GetUtcNow();
        if (IsExpired(attempt.Message, now) || IsEarly(attempt.Message, now) || definition is null)
        {
            return new ValueTask<TaskOutcome>(CheckUnrunnableAsync(attempt, definition, now, abortToken));
        }
        return attempt.Received.DeliveryCount > 1
            ? new ValueTask<TaskOutcome>(CheckRedeliveryAsync(attempt, definition, abortToken))
            : new ValueTask<TaskOutcome>(TaskOutcome.Run);
    }

    private async Task<TaskOutcome> CheckUnrunnableAsync(TaskAttempt attempt, TaskDefinition? definition, DateTimeOffset now, CancellationToken abortToken)
    {
        var existing = await recorder.GetAsync(attempt.Message.Id, abortToken).ConfigureAwait(false);
        if (existing is not null && TaskStates.IsTerminal(existing.Status))
        {
            return TaskOutcome.AlreadyFinished(existing);
        }
        if (IsExpired(attempt.Message, now))
        {
            return TaskOutcome.Expired();
        }
        return IsEarly(attempt.Message, now) ? TaskOutcome.Deferred : TaskOutcome.NotRegistered(attempt.Message.TaskName);
    }

    /// <summary>
    /// A redelivered attempt whose retry was already scheduled (the worker sent the retry, then lost the
    /// lock before completing this message) must not run again: the retry message carries the task on.
    /// Known from the stored result's retry count, which only extended results carry; checked on
    /// redeliveries alone, so first deliveries pay nothing.
    /// </summary>
    private async Task<TaskOutcome> CheckRedeliveryAsync(TaskAttempt attempt, TaskDefinition definition, CancellationToken abortToken)
    {
        var message = attempt.Message;
        var stored = await recorder.GetAsync(message.Id, abortToken).ConfigureAwait(false);
        if (stored?.Extended is not { } extended || TaskStates.IsTerminal(stored.Status))
        {
            return TaskOutcome.Run; // terminal results are handled by BeginAsync, which also re-sends follow-ups
        }
        if (extended.Retries > message.Retries)
        {
            // A later attempt has already stored its state: the retry message went out and ran.
            return TaskOutcome.SupersededByRetry(0, default);
        }
        if (extended.Retries == message.Retries && stored.Status == TaskStates.Retry)
        {
            // RETRY is stored for this attempt, but nothing shows that its retry went out (the broker failed between storing
            // RETRY and sending it): send it again under its own id, which the broker's duplicate detection drops if it did.
            var retryNumber = message.Retries + 1;
            return TaskOutcome.SupersededByRetry(retryNumber, definition.Options.Retry.DelayFor(retryNumber, random.Random, null));
        }
        return TaskOutcome.Run;
    }
}
