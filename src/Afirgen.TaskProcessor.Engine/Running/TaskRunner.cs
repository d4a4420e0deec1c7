using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Runs one received message to its outcome and settles it. Every host hands its messages here. The steps, each a
/// class of its own: parse (a malformed message is dead-lettered, FAILURE stored when it has an id); admit
/// (<see cref="TaskAdmission"/>: rate limit, priority gate); then <see cref="TaskPipeline"/>: triage
/// (<see cref="TaskTriage"/>), run under the time limits (<see cref="TaskExecutor"/>), decide
/// (<see cref="OutcomeDecider"/>) and act (<see cref="OutcomeActions"/>: store, follow-ups, and only then settle,
/// late acknowledgement). When the outcome cannot be stored the message is abandoned, never completed.
/// </summary>
public sealed class TaskRunner
{
    private readonly CeleryMessageParser _parser;
    private readonly TaskAdmission _admission;
    private readonly TaskPipeline _pipeline;
    private readonly OutcomeActions _actions;
    private readonly DeliverySettler _settler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal TaskRunner(CeleryMessageParser parser, TaskAdmission admission, TaskPipeline pipeline, OutcomeActions actions,
        DeliverySettler settler, TimeProvider time, ILogger<TaskRunner> logger)
    {
        _parser = parser;
        _admission = admission;
        _pipeline = pipeline;
        _actions = actions;
        _settler = settler;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Runs <paramref name="delivery"/> and settles it. Never throws for anything the message or its
    /// task did: every outcome ends in complete, abandon or dead-letter. <paramref name="abortToken"/>
    /// fires when the host must stop now: the run is cancelled and the message abandoned for another worker.
    /// </summary>
    public Task RunAsync(ReceivedDelivery delivery, CancellationToken abortToken) => RunAsync(delivery, null, abortToken);

    /// <summary>
    /// Runs <paramref name="delivery"/> as <see cref="RunAsync(ReceivedDelivery, CancellationToken)"/> does, for a consumer
    /// that holds it: while it waits for a slot, <see cref="RunControl.GiveBack"/> abandons it at once; once admitted,
    /// <see cref="RunControl.StartedAt"/> says so. Returns what became of the delivery.
    /// </summary>
    public async Task<RunEnd> RunAsync(ReceivedDelivery delivery, RunControl? control, CancellationToken abortToken)
    {
        var received = delivery.Message;
        var parsed = _parser.Parse(received.Body);
        if (parsed is ParseOutcome.Rejected rejected)
        {
            return await GuardAsync(delivery, _actions.RejectAsync(delivery, rejected, abortToken), null, abortToken).ConfigureAwait(false);
        }
        var message = ((ParseOutcome.Parsed)parsed).Message;
        var priority = _admission.Receive(message, received.Queue);

        // A consumer's give-back token fires at the start of a stop (and whenever the abort token does): a message
        // that has not started goes back to the broker then, not when the grace period is over.
        var stopWaiting = control?.GiveBack ?? abortToken;
        GateSlot slot;
        AheadCheck? ahead = null;
        try
        {
            stopWaiting.ThrowIfCancellationRequested();
            if (_admission.MustWaitTurn(message))
            {
                await _admission.WaitTurnAsync(message, stopWaiting).ConfigureAwait(false);
            }
            ahead = _pipeline.CheckAhead(message, abortToken);
            slot = await _admission.EnterAsync(received, priority, stopWaiting).ConfigureAwait(false);
            if (stopWaiting.IsCancellationRequested)
            {
                slot.Dispose(); // granted in the same instant as the stop: still unstarted, so it goes back too
                stopWaiting.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (stopWaiting.IsCancellationRequested)
        {
            ahead?.Abandon();
            await _settler.AbandonAsync(delivery, "the worker is stopping; given back unstarted", null, message).ConfigureAwait(false);
            return RunEnd.GivenBack;
        }
        catch
        {
            ahead?.Abandon();
            throw;
        }
        control?.MarkStarted(_time.GetUtcNow());

        using (slot)
        using (TaskTelemetry.StartRun(message, received.Queue, priority, received.DeliveryCount))
        {
            var running = _pipeline.RunAsync(new TaskAttempt(delivery, message, priority), slot, ahead, abortToken);
            return await GuardAsync(delivery, running, message, abortToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Awaits what the runner does with a delivery and turns every fault outside the task into a settlement: nothing a
    /// message holds may leave it unsettled. Given back, it is delivered again and, at the delivery limit,
    /// dead-lettered by the broker. <paramref name="message"/>, when read, is told to observers of what is given back.
    /// </summary>
    private async Task<RunEnd> GuardAsync(ReceivedDelivery delivery, Task work, TaskMessage? message, CancellationToken abortToken)
    {
        var received = delivery.Message;
        try
        {
            await work.ConfigureAwait(false);
            return RunEnd.Settled;
        }
        catch (OperationCanceledException) when (abortToken.IsCancellationRequested)
        {
            await _settler.AbandonAsync(delivery, "the worker is shutting down", null, message).ConfigureAwait(false);
            return RunEnd.Cancelled;
        }
        catch (ResultStoreUnavailableException ex)
        {
            await _settler.AbandonAsync(delivery, "the result store is unavailable", ex, message).ConfigureAwait(false);
            return RunEnd.Abandoned;
        }
        catch (MessageLockLostException)
        {
            RunnerLog.LockLost(_logger, received.MessageId, received.Queue);
            return RunEnd.LockLost;
        }
        catch (Exception ex)
        {
            // A broker or infrastructure fault outside the task: give the message back rather than lose it.
            await _settler.AbandonAsync(delivery, "an infrastructure error occurred", ex, message).ConfigureAwait(false);
            return RunEnd.Abandoned;
        }
    }
}
