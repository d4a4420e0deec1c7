using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Carries out a <see cref="TaskOutcome"/>, always in this order: store the result, tell observers, join the chord and
/// send follow-ups, and only then settle the message (late acknowledgement). A store that fails throws, and the
/// message is given back, never completed.
/// </summary>
internal sealed class OutcomeActions(ResultRecorder recorder, FollowUpPublisher followUps, IMessageSender sender, DeliverySettler settler,
    TaskObservers observers, TimeProvider time, ILogger<TaskRunner> logger)
{
    /// <summary>Does what <paramref name="outcome"/> says; <paramref name="observed"/> is the event observers hear of it under (null when none listen).</summary>
    public Task ApplyAsync(TaskAttempt attempt, TaskOutcome outcome, TaskEvent? observed, CancellationToken abortToken) => outcome.Kind switch
    {
        TaskOutcome.Kinds.Succeeded => SucceedAsync(attempt, outcome, observed, abortToken),
        TaskOutcome.Kinds.RetryScheduled => RetryAsync(attempt, outcome, observed, abortToken),
        TaskOutcome.Kinds.Failed or TaskOutcome.Kinds.TimedOut => FailAsync(attempt, outcome, observed, abortToken),
        TaskOutcome.Kinds.Revoked or TaskOutcome.Kinds.Expired => RevokeAsync(attempt, outcome, observed, abortToken),
        TaskOutcome.Kinds.Deferred => DeferAsync(attempt, abortToken),
        TaskOutcome.Kinds.AlreadyFinished => FinishDuplicateAsync(attempt, outcome.Existing!, abortToken),
        TaskOutcome.Kinds.SupersededByRetry => SettleSupersededAsync(attempt, outcome, abortToken),
        TaskOutcome.Kinds.NotRegistered => RejectUnknownAsync(attempt, outcome, abortToken),
        _ => throw new InvalidOperationException($"The outcome {outcome.Kind} is not one to carry out."),
    };

    /// <summary>Dead-letters a message the parser refused, storing FAILURE when its task id could be read.</summary>
    public async Task RejectAsync(ReceivedDelivery delivery, ParseOutcome.Rejected rejected, CancellationToken abortToken)
    {
        if (rejected.TaskId is { } id)
        {
            await recorder.StoreAsync(recorder.FailureOf(id, CeleryExceptionInfo.Create("ValueError", "builtins", rejected.Description)), abortToken).ConfigureAwait(false);
        }
        await settler.DeadLetterAsync(delivery, rejected.Reason, rejected.Description).ConfigureAwait(false);
        if (observers.Any)
        {
            observers.Rejected(new RejectedMessage(rejected.TaskId, rejected.TaskName, delivery.Message.Queue, rejected.Reason, rejected.Description, Requeued: false));
        }
    }

    private async Task SucceedAsync(TaskAttempt attempt, TaskOutcome outcome, TaskEvent? observed, CancellationToken abortToken)
    {
        var message = attempt.Message;
        if (outcome.StoreResult)
        {
            await recorder.StoreOutcomeAsync(recorder.Meta(message, attempt.Queue, TaskStates.Success, outcome.Result, done: true) with { Children = outcome.Children }, abortToken).ConfigureAwait(false);
        }
        observers.Succeeded(observed, outcome.Result);
        await followUps.ReturnChordPartAsync(attempt, TaskStates.Success, outcome.Result, abortToken).ConfigureAwait(false);
        await followUps.SendFollowUpsAsync(attempt, outcome.Result, abortToken).ConfigureAwait(false);
        RunnerLog.Succeeded(logger, message.Id, message.TaskName);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task RetryAsync(TaskAttempt attempt, TaskOutcome outcome, TaskEvent? observed, CancellationToken abortToken)
    {
        var message = attempt.Message;
        await recorder.StoreOutcomeAsync(recorder.Meta(message, attempt.Queue, TaskStates.Retry, outcome.Result, done: false) with { Traceback = outcome.Traceback }, abortToken).ConfigureAwait(false);
        var eta = await SendRetryAsync(attempt, outcome.RetryNumber, outcome.Delay, abortToken).ConfigureAwait(false);
        RunnerLog.RetryScheduled(logger, message.Id, message.TaskName, outcome.Exception!.GetType().Name, outcome.RetryNumber, outcome.MaxRetries, outcome.Delay);
        observers.RetryScheduled(observed, outcome.RetryNumber, new TaskFailure(TaskFailure.RetryReason, outcome.Summary!, outcome.Error, outcome.Traceback), eta);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task FailAsync(TaskAttempt attempt, TaskOutcome outcome, TaskEvent? observed, CancellationToken abortToken)
    {
        var message = attempt.Message;
        var timedOut = outcome.Kind == TaskOutcome.Kinds.TimedOut;
        if (timedOut)
        {
            RunnerLog.HardTimeLimit(logger, message.Id, message.TaskName, outcome.Limit);
        }
        await recorder.StoreOutcomeAsync(recorder.Meta(message, attempt.Queue, TaskStates.Failure, outcome.Result, done: true) with { Traceback = outcome.Traceback }, abortToken).ConfigureAwait(false);
        if (!timedOut)
        {
            RunnerLog.Failed(logger, outcome.Exception, message.Id, message.TaskName, message.Retries, outcome.Reason!);
        }
        observers.Failed(observed, new TaskFailure(outcome.Reason!, outcome.Summary!, outcome.Error, outcome.Traceback));
        await followUps.ReturnChordPartAsync(attempt, TaskStates.Failure, outcome.Result, abortToken).ConfigureAwait(false);
        await followUps.SendErrbacksAsync(attempt, abortToken).ConfigureAwait(false);
        await settler.DeadLetterAsync(attempt.Delivery, outcome.Reason!, outcome.Description!).ConfigureAwait(false);
    }

    private async Task RevokeAsync(TaskAttempt attempt, TaskOutcome outcome, TaskEvent? observed, CancellationToken abortToken)
    {
        var message = attempt.Message;
        await recorder.StoreAsync(message, attempt.Queue, TaskStates.Revoked, outcome.Result, abortToken).ConfigureAwait(false);
        if (outcome.Kind == TaskOutcome.Kinds.Expired)
        {
            RunnerLog.Expired(logger, message.Id, message.TaskName, message.Expires!.Value);
        }
        else
        {
            RunnerLog.Revoked(logger, message.Id, message.TaskName, outcome.Reason!);
        }
        observers.Revoked(observed, outcome.Reason!);
        await followUps.ReturnChordPartAsync(attempt, TaskStates.Revoked, outcome.Result, abortToken).ConfigureAwait(false);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task DeferAsync(TaskAttempt attempt, CancellationToken abortToken)
    {
        var message = attempt.Message;
        var received = attempt.Received;
        await sender.SendAsync(received.Queue,
            new OutgoingMessage(MessageIds.ForEtaDeferral(received.MessageId), message.Id, message.TaskName, attempt.Priority, received.Body),
            message.Eta, abortToken).ConfigureAwait(false);
        RunnerLog.Deferred(logger, message.Id, message.TaskName, message.Eta!.Value);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task FinishDuplicateAsync(TaskAttempt attempt, TaskResultMeta existing, CancellationToken abortToken)
    {
        // The earlier run may have died after storing its result but before its follow-ups were sent;
        // they carry deterministic ids, so sending them again is dropped by the broker if they went out.
        // The same for its chord: joined again, it counts once (a chord revoked before its task ran is failed here, as Celery fails it).
        await followUps.ReturnChordPartAsync(attempt, existing.Status, existing.Result, abortToken).ConfigureAwait(false);
        if (existing.Status == TaskStates.Success)
        {
            await followUps.SendFollowUpsAsync(attempt, existing.Result, abortToken).ConfigureAwait(false);
        }
        RunnerLog.AlreadyFinished(logger, attempt.Message.Id, attempt.Message.TaskName, existing.Status, attempt.Received.MessageId);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task SettleSupersededAsync(TaskAttempt attempt, TaskOutcome outcome, CancellationToken abortToken)
    {
        if (outcome.RetryNumber > 0)
        {
            await SendRetryAsync(attempt, outcome.RetryNumber, outcome.Delay, abortToken).ConfigureAwait(false);
        }
        RunnerLog.SupersededByRetry(logger, attempt.Message.Id, attempt.Message.TaskName, attempt.Message.Retries, attempt.Received.MessageId);
        await settler.CompleteAsync(attempt.Delivery).ConfigureAwait(false);
    }

    private async Task RejectUnknownAsync(TaskAttempt attempt, TaskOutcome outcome, CancellationToken abortToken)
    {
        var message = attempt.Message;
        await recorder.StoreAsync(message, attempt.Queue, TaskStates.Failure, outcome.Result, abortToken).ConfigureAwait(false);
        // Celery's worker leaves a chord waiting for ever here (its unknown-task request has no chord); failing it says why.
        await followUps.ReturnChordPartAsync(attempt, TaskStates.Failure, outcome.Result, abortToken).ConfigureAwait(false);
        await settler.DeadLetterAsync(attempt.Delivery, outcome.Reason!, outcome.Description!).ConfigureAwait(false);
        if (observers.Any)
        {
            observers.Rejected(new RejectedMessage(message.Id, message.TaskName, attempt.Queue, outcome.Reason!, outcome.Description!, Requeued: false));
        }
    }

    /// <summary>Sends retry <paramref name="retryNumber"/> of the attempt's task, due after <paramref name="delay"/>, under its deterministic id.</summary>
    private async Task<DateTimeOffset> SendRetryAsync(TaskAttempt attempt, int retryNumber, TimeSpan delay, CancellationToken abortToken)
    {
        var message = attempt.Message;
        var queue = attempt.Queue;
        var eta = time.GetUtcNow() + delay;
        var retry = message with { Retries = retryNumber, Eta = eta, ExtraHeaders = TaskTelemetry.CreateMessage(message.TaskName, message.Id, queue, message.ExtraHeaders) };
        await sender.SendAsync(queue,
            new OutgoingMessage(MessageIds.ForRetry(message.Id, retryNumber), message.Id, message.TaskName, attempt.Priority, CeleryMessageWriter.Write(retry, queue, attempt.Priority)),
            eta, abortToken).ConfigureAwait(false);
        return eta;
    }
}
