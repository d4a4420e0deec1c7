using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Takes an admitted attempt through the runner's steps: triage (may it run?), begin (STARTED, unless revoked or
/// already finished; with track_started off, started while the task waited for its slot: <see cref="AheadCheck"/>), run
/// the handler under its limits, decide the outcome, act on it. Each step is a class of its own; this one only orders them.
/// </summary>
internal sealed class TaskPipeline(TaskRegistry registry, TaskTriage triage, RunningTasks running, ResultRecorder recorder,
    TaskExecutor executor, OutcomeDecider decider, OutcomeActions actions, TaskObservers observers, TimeProvider time)
{
    /// <summary>
    /// Starts the begin of a task about to wait for its slot, when the begin only checks (track_started off); null when
    /// it stores STARTED, which must wait for the slot (a waiting task is not running).
    /// </summary>
    public AheadCheck? CheckAhead(TaskMessage message, CancellationToken abortToken)
    {
        if (recorder.TracksStarted)
        {
            return null;
        }
        // Registered before the check, so a revocation after the check still finds the waiting task.
        var handle = running.RegisterWaiting(message.Id);
        var checkedFrom = time.GetTimestamp();
        return new AheadCheck(running, handle, recorder.BeginAsync(message.Id, null, abortToken), checkedFrom);
    }

    // One method rather than a method per phase, so that a task costs one async state machine here, not two.
    public async Task RunAsync(TaskAttempt attempt, GateSlot slot, AheadCheck? ahead, CancellationToken abortToken)
    {
        var message = attempt.Message;
        registry.TryGet(message.TaskName, out var definition);
        TaskOutcome triaged;
        try
        {
            triaged = await triage.CheckAsync(attempt, definition, abortToken).ConfigureAwait(false);
        }
        catch
        {
            ahead?.Abandon();
            throw;
        }
        if (triaged.Kind != TaskOutcome.Kinds.Run)
        {
            ahead?.Abandon();
            await actions.ApplyAsync(attempt, triaged, observers.EventFor(message, attempt.Received, attempt.Priority), abortToken).ConfigureAwait(false);
            return;
        }

        // Registered before the revocation check, so a terminate sent after the check still finds the run.
        RunHandle handle;
        if (ahead is null)
        {
            handle = running.Register(message.Id);
        }
        else
        {
            handle = ahead.Handle;
            running.Start(handle);
        }
        try
        {
            var started = recorder.StartedFor(attempt);
            Task<BeginResult> beginning;
            if (ahead is not null && ahead.IsFresh(time))
            {
                beginning = ahead.Check;
            }
            else
            {
                ahead?.Forget();
                beginning = recorder.BeginAsync(message.Id, started, abortToken);
            }
            var begin = await beginning.ConfigureAwait(false);
            if (begin.Finished is { } finished)
            {
                await actions.ApplyAsync(attempt, TaskOutcome.AlreadyFinished(finished), null, abortToken).ConfigureAwait(false);
                return;
            }
            if (begin.Revoked || handle.Revoked)
            {
                await actions.ApplyAsync(attempt, TaskOutcome.Revoked("revoked"), observers.EventFor(message, attempt.Received, attempt.Priority), abortToken).ConfigureAwait(false);
                return;
            }
            var observed = observers.EventFor(message, attempt.Received, attempt.Priority);
            try
            {
                observers.Started(observed);
                try
                {
                    var run = await executor.RunAsync(attempt, definition!, handle, abortToken).ConfigureAwait(false);
                    // The slot is for running handlers (concurrency counts tasks running, as Celery's pool does): the next task
                    // starts while this one's outcome is stored and its message settled, which are round trips, not work. The
                    // message stays held (and counted against the prefetch) until it is settled.
                    slot.Dispose();
                    await actions.ApplyAsync(attempt, decider.Decide(run, message, definition!, handle.Terminated), observed, abortToken).ConfigureAwait(false);
                }
                finally
                {
                    observers.Finished(observed);
                }
            }
            catch (OperationCanceledException) when (abortToken.IsCancellationRequested && started is not null)
            {
                // Given back: the STARTED this run stored must not outlive it (the task is queued again, not running).
                await recorder.ReleaseStartedAsync(started).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            running.Unregister(handle);
        }
    }
}
