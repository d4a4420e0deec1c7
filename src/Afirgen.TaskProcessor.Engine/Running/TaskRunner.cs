using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Runs one received message to its outcome and settles it, in this order of truth:
/// a terminal result already stored → settle without running; expired → REVOKED; due later → back to
/// the broker until its ETA; unknown task or malformed message → dead-letter (FAILURE stored when there
/// is an id); otherwise STARTED, run under the time limits, store the outcome, enqueue follow-ups, and
/// only then settle (late acknowledgement). When the outcome cannot be stored the message is abandoned,
/// never completed. Every host hands its messages here.
/// </summary>
public sealed class TaskRunner
{
    // Below this an early message runs now rather than taking a round trip through the broker: brokers
    // schedule to about a second, and clocks differ by that much.
    private static readonly TimeSpan EtaTolerance = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan OutcomeRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly CeleryMessageParser _parser;
    private readonly TaskRegistry _registry;
    private readonly TaskRouter _router;
    private readonly TaskPublisher _publisher;
    private readonly IResultStore _results;
    private readonly IMessageSender _sender;
    private readonly PriorityGate _gate;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly TimeLimitOptions _limits;
    private readonly ResultOptions _resultOptions;
    private readonly WorkerIdentity _worker;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TaskObservers _observers;
    private readonly RunningTasks _running;
    private readonly TaskRateLimits _rateLimits;
    private readonly TaskTimeLimits _timeLimits;
    private readonly ChordJoin _chords;
    private readonly ConcurrentDictionary<string, ILogger> _taskLoggers = new(StringComparer.Ordinal);

    public TaskRunner(
        CeleryMessageParser parser, TaskRegistry registry, TaskRouter router, TaskPublisher publisher,
        IResultStore results, IMessageSender sender, PriorityGate gate, IServiceScopeFactory scopes,
        TimeProvider time, IOptions<TimeLimitOptions> limits, IOptions<ResultOptions> resultOptions,
        WorkerIdentity worker, RetryRandom random, ILoggerFactory loggerFactory, TaskObservers observers, RunningTasks running,
        TaskRateLimits rateLimits, TaskTimeLimits timeLimits)
    {
        _parser = parser;
        _registry = registry;
        _router = router;
        _publisher = publisher;
        _results = results;
        _sender = sender;
        _gate = gate;
        _scopes = scopes;
        _time = time;
        _limits = limits.Value;
        _resultOptions = resultOptions.Value;
        _worker = worker;
        _random = random.Random;
        _loggerFactory = loggerFactory;
        _observers = observers;
        _running = running;
        _rateLimits = rateLimits;
        _timeLimits = timeLimits;
        _chords = new ChordJoin(results);
        _logger = loggerFactory.CreateLogger<TaskRunner>();
    }

    /// <summary>
    /// Runs <paramref name="delivery"/> and settles it. Never throws for anything the message or its
    /// task did: every outcome ends in complete, abandon or dead-letter. <paramref name="abortToken"/>
    /// fires when the host must stop now: the run is cancelled and the message abandoned for another worker.
    /// </summary>
    public Task RunAsync(ReceivedDelivery delivery, CancellationToken abortToken) => RunAsync(delivery, abortToken, null);

    /// <summary>
    /// Runs <paramref name="delivery"/> as <see cref="RunAsync(ReceivedDelivery, CancellationToken)"/> does, for a consumer
    /// that holds it: while it waits for a slot, <see cref="RunControl.GiveBack"/> abandons it at once; once admitted,
    /// <see cref="RunControl.StartedAt"/> says so. Returns what became of the delivery.
    /// </summary>
    public async Task<RunEnd> RunAsync(ReceivedDelivery delivery, CancellationToken abortToken, RunControl? control)
    {
        var received = delivery.Message;
        var outcome = _parser.Parse(received.Body);
        if (outcome is ParseOutcome.Rejected rejected)
        {
            return await RejectAsync(delivery, rejected, abortToken).ConfigureAwait(false);
        }
        var message = ((ParseOutcome.Parsed)outcome).Message;
        var priority = message.Priority ?? _publisher.ResolvePriority(null, message.TaskName, _router.Route(message.TaskName), received.Queue);
        if (_observers.Any)
        {
            _observers.Received(message, received.Queue, priority);
        }

        // A consumer's give-back token fires at the start of a stop (and whenever the abort token does): a message
        // that has not started goes back to the broker then, not when the grace period is over.
        var stopWaiting = control?.GiveBack ?? abortToken;
        GateSlot slot;
        try
        {
            stopWaiting.ThrowIfCancellationRequested();
            if (_rateLimits.Any && !IsEarlyOrExpired(message))
            {
                // A rate-limited task waits for its turn before it takes a slot, as Celery's does before its pool.
                await _rateLimits.WaitAsync(message.TaskName, stopWaiting).ConfigureAwait(false);
            }
            slot = await _gate.EnterAsync(priority, received.Queue, received.EnqueuedAt, stopWaiting).ConfigureAwait(false);
            if (stopWaiting.IsCancellationRequested)
            {
                slot.Dispose(); // granted in the same instant as the stop: still unstarted, so it goes back too
                stopWaiting.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (stopWaiting.IsCancellationRequested)
        {
            await AbandonAsync(delivery, "the worker is stopping; given back unstarted", null, message).ConfigureAwait(false);
            return RunEnd.GivenBack;
        }
        control?.MarkStarted(_time.GetUtcNow());

        using (slot)
        using (TaskTelemetry.StartRun(message, received.Queue, priority, received.DeliveryCount))
        {
            return await GuardAsync(delivery, () => RunParsedAsync(delivery, message, priority, slot, abortToken), abortToken, message).ConfigureAwait(false);
        }
    }

    private Task<RunEnd> RejectAsync(ReceivedDelivery delivery, ParseOutcome.Rejected rejected, CancellationToken abortToken) =>
        GuardAsync(delivery, async () =>
        {
            if (rejected.TaskId is { } id)
            {
                await _results.StoreAsync(new TaskResultMeta
                {
                    TaskId = id,
                    Status = TaskStates.Failure,
                    Result = CeleryExceptionInfo.Create("ValueError", "builtins", rejected.Description),
                    DateDone = _time.GetUtcNow(),
                }, abortToken).ConfigureAwait(false);
            }
            await DeadLetterAsync(delivery, rejected.Reason, rejected.Description).ConfigureAwait(false);
            if (_observers.Any)
            {
                _observers.Rejected(new RejectedMessage(rejected.TaskId, rejected.TaskName, delivery.Message.Queue, rejected.Reason, rejected.Description, Requeued: false));
            }
        }, abortToken, null);

    /// <summary>
    /// Runs what the runner does with a delivery and turns every fault outside the task into a settlement: nothing a
    /// message holds may leave it unsettled. Given back, it is delivered again and, at the delivery limit,
    /// dead-lettered by the broker. <paramref name="message"/>, when read, is told to observers of what is given back.
    /// </summary>
    private async Task<RunEnd> GuardAsync(ReceivedDelivery delivery, Func<Task> work, CancellationToken abortToken, TaskMessage? message)
    {
        var received = delivery.Message;
        try
        {
            await work().ConfigureAwait(false);
            return RunEnd.Settled;
        }
        catch (OperationCanceledException) when (abortToken.IsCancellationRequested)
        {
            await AbandonAsync(delivery, "the worker is shutting down", null, message).ConfigureAwait(false);
            return RunEnd.Cancelled;
        }
        catch (ResultStoreUnavailableException ex)
        {
            await AbandonAsync(delivery, "the result store is unavailable", ex, message).ConfigureAwait(false);
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
            await AbandonAsync(delivery, "an infrastructure error occurred", ex, message).ConfigureAwait(false);
            return RunEnd.Abandoned;
        }
    }

    private async Task RunParsedAsync(ReceivedDelivery delivery, TaskMessage message, int priority, GateSlot slot, CancellationToken abortToken)
    {
        var received = delivery.Message;
        var now = _time.GetUtcNow();
        var expired = message.Expires is { } expires && expires <= now;
        var early = message.Eta is { } eta && eta - now > EtaTolerance;
        _registry.TryGet(message.TaskName, out var definition);

        if (expired || early || definition is null)
        {
            var existing = await _results.GetAsync(message.Id, abortToken).ConfigureAwait(false);
            if (existing is not null && TaskStates.IsTerminal(existing.Status))
            {
                await FinishDuplicateAsync(delivery, message, priority, existing, abortToken).ConfigureAwait(false);
                return;
            }
            if (expired)
            {
                var expiredInfo = CeleryExceptionInfo.Create("TaskRevokedError", "celery.exceptions", "expired");
                await _results.StoreAsync(Meta(message, received.Queue, TaskStates.Revoked, expiredInfo, done: true), abortToken).ConfigureAwait(false);
                RunnerLog.Expired(_logger, message.Id, message.TaskName, message.Expires!.Value);
                _observers.Revoked(EventFor(message, received, priority), "expired");
                await ReturnChordPartAsync(message, priority, TaskStates.Revoked, expiredInfo, abortToken).ConfigureAwait(false);
                await CompleteAsync(delivery).ConfigureAwait(false);
                return;
            }
            if (early)
            {
                await _sender.SendAsync(received.Queue,
                    new OutgoingMessage(MessageIds.ForEtaDeferral(received.MessageId), message.Id, message.TaskName, priority, received.Body),
                    message.Eta, abortToken).ConfigureAwait(false);
                RunnerLog.Deferred(_logger, message.Id, message.TaskName, message.Eta!.Value);
                await CompleteAsync(delivery).ConfigureAwait(false);
                return;
            }

            var description = $"No task named '{message.TaskName}' is registered with this worker; check the name or deploy a worker that has it.";
            var notRegistered = CeleryExceptionInfo.Create("NotRegistered", "celery.exceptions", message.TaskName);
            await _results.StoreAsync(Meta(message, received.Queue, TaskStates.Failure, notRegistered, done: true), abortToken).ConfigureAwait(false);
            // Celery's worker leaves a chord waiting for ever here (its unknown-task request has no chord); failing it says why.
            await ReturnChordPartAsync(message, priority, TaskStates.Failure, notRegistered, abortToken).ConfigureAwait(false);
            await DeadLetterAsync(delivery, DeadLetterReasons.UnknownTask, description).ConfigureAwait(false);
            if (_observers.Any)
            {
                _observers.Rejected(new RejectedMessage(message.Id, message.TaskName, received.Queue, DeadLetterReasons.UnknownTask, description, Requeued: false));
            }
            return;
        }

        if (received.DeliveryCount > 1 && await IsSupersededByRetryAsync(message, abortToken).ConfigureAwait(false) is { } superseded)
        {
            if (superseded == Supersession.RetryStoredNotSeenRunning)
            {
                // The retry may not have gone out (the broker failed between storing RETRY and sending it): send it
                // again under its own id, which the broker's duplicate detection drops if it did go out.
                await SendRetryAsync(message, received.Queue, priority, message.Retries + 1,
                    definition.Options.Retry.DelayFor(message.Retries + 1, _random, null), abortToken).ConfigureAwait(false);
            }
            RunnerLog.SupersededByRetry(_logger, message.Id, message.TaskName, message.Retries, received.MessageId);
            await CompleteAsync(delivery).ConfigureAwait(false);
            return;
        }

        // Registered before the revocation check, so a terminate sent after the check still finds the run.
        var handle = _running.Register(message.Id);
        try
        {
            var started = _resultOptions.TrackStarted ? Meta(message, received.Queue, TaskStates.Started, null, done: false) : null;
            var begin = await _results.BeginAsync(message.Id, started, abortToken).ConfigureAwait(false);
            if (begin.Finished is { } finished)
            {
                await FinishDuplicateAsync(delivery, message, priority, finished, abortToken).ConfigureAwait(false);
                return;
            }
            if (begin.Revoked || handle.Terminated)
            {
                await FinishRevokedAsync(delivery, message, priority, EventFor(message, received, priority), "revoked", abortToken).ConfigureAwait(false);
                return;
            }
            try
            {
                await RunToOutcomeAsync(delivery, message, priority, definition, handle, slot, abortToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abortToken.IsCancellationRequested && started is not null)
            {
                // Given back: the STARTED this run stored must not outlive it (the task is queued again, not running).
                await ReleaseStartedAsync(started).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _running.Unregister(handle);
        }
    }

    /// <summary>
    /// Puts the result of a run given back at shutdown back to PENDING, if it is still the STARTED this run stored (a
    /// redelivery elsewhere may already have overwritten it). Best effort within a short time: the redelivered run
    /// overwrites it in any case.
    /// </summary>
    private async Task ReleaseStartedAsync(TaskResultMeta started)
    {
        try
        {
            await _results.ReleaseStartedAsync(started, new TaskResultMeta { TaskId = started.TaskId, Status = TaskStates.Pending }, CancellationToken.None)
                .WaitAsync(SettleTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ResultStoreUnavailableException or TimeoutException)
        {
            RunnerLog.ReleaseFailed(_logger, ex, started.TaskId);
        }
    }

    /// <summary>
    /// A redelivered attempt whose retry was already scheduled (the worker sent the retry, then lost the
    /// lock before completing this message) must not run again: the retry message carries the task on.
    /// Known from the stored result's retry count, which only extended results carry; checked on
    /// redeliveries alone, so first deliveries pay nothing.
    /// </summary>
    private async Task<Supersession?> IsSupersededByRetryAsync(TaskMessage message, CancellationToken abortToken)
    {
        var stored = await _results.GetAsync(message.Id, abortToken).ConfigureAwait(false);
        if (stored?.Extended is not { } extended || TaskStates.IsTerminal(stored.Status))
        {
            return null; // terminal results are handled by the normal path, which also re-sends follow-ups
        }
        if (extended.Retries > message.Retries)
        {
            return Supersession.RetryAlreadyRan;
        }
        return extended.Retries == message.Retries && stored.Status == TaskStates.Retry ? Supersession.RetryStoredNotSeenRunning : null;
    }

    /// <summary>How a redelivered attempt is known to have been carried on by its retry.</summary>
    private enum Supersession
    {
        /// <summary>A later attempt has already stored its state: the retry message went out and ran.</summary>
        RetryAlreadyRan,

        /// <summary>RETRY is stored for this attempt, but nothing shows that its retry message went out.</summary>
        RetryStoredNotSeenRunning,
    }

    /// <summary>Sends retry <paramref name="retryNumber"/> of <paramref name="message"/>, due after <paramref name="delay"/>, under its deterministic id.</summary>
    private async Task<DateTimeOffset> SendRetryAsync(TaskMessage message, string queue, int priority, int retryNumber, TimeSpan delay, CancellationToken abortToken)
    {
        var eta = _time.GetUtcNow() + delay;
        var retry = message with { Retries = retryNumber, Eta = eta, ExtraHeaders = TaskTelemetry.CreateMessage(message.TaskName, message.Id, queue, message.ExtraHeaders) };
        await _sender.SendAsync(queue,
            new OutgoingMessage(MessageIds.ForRetry(message.Id, retryNumber), message.Id, message.TaskName, priority, CeleryMessageWriter.Write(retry, queue, priority)),
            eta, abortToken).ConfigureAwait(false);
        return eta;
    }

    /// <summary>
    /// Stores the outcome of a run whose handler has finished. While the result store cannot be reached it keeps trying
    /// for <see cref="ResultOptions.OutcomeRetryWindow"/> (the message's lock is renewed meanwhile), so that a short
    /// Redis restart does not turn into a second run of the handler; past the window it throws, and the message is
    /// abandoned for a redelivery, which runs the task again.
    /// </summary>
    private async Task StoreOutcomeAsync(TaskResultMeta meta, CancellationToken abortToken)
    {
        var giveUpAt = _time.GetUtcNow() + _resultOptions.OutcomeRetryWindow;
        while (true)
        {
            try
            {
                await _results.StoreAsync(meta, abortToken).ConfigureAwait(false);
                return;
            }
            catch (ResultStoreUnavailableException ex) when (_time.GetUtcNow() < giveUpAt)
            {
                RunnerLog.OutcomeStoreRetrying(_logger, meta.TaskId, meta.Status, ex.Message);
                await Task.Delay(OutcomeRetryDelay, _time, abortToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunToOutcomeAsync(ReceivedDelivery delivery, TaskMessage message, int priority, TaskDefinition definition, RunHandle handle, GateSlot slot, CancellationToken abortToken)
    {
        var received = delivery.Message;
        var observed = EventFor(message, received, priority);
        _observers.Started(observed);
        try
        {
            var run = await ExecuteAsync(definition, message, received, priority, handle, abortToken).ConfigureAwait(false);
            // The slot is for running handlers (concurrency counts tasks running, as Celery's pool does): the next task
            // starts while this one's outcome is stored and its message settled, which are round trips, not work. The
            // message stays held (and counted against the prefetch) until it is settled.
            slot.Dispose();
            if (handle.Terminated && run is not RunOutcome.Succeeded)
            {
                // Revoked with terminate while running: whatever the cancelled handler ended with, the
                // outcome is REVOKED (Celery: "terminated"), not a failure to retry or dead-letter.
                await FinishRevokedAsync(delivery, message, priority, observed, "terminated", abortToken).ConfigureAwait(false);
                return;
            }
            switch (run)
            {
                case RunOutcome.Succeeded success:
                    if (!(message.IgnoreResult || definition.Options.IgnoreResult))
                    {
                        await StoreOutcomeAsync(Meta(message, received.Queue, TaskStates.Success, success.Result, done: true) with { Children = success.Children }, abortToken).ConfigureAwait(false);
                    }
                    _observers.Succeeded(observed, success.Result);
                    await ReturnChordPartAsync(message, priority, TaskStates.Success, success.Result, abortToken).ConfigureAwait(false);
                    await SendFollowUpsAsync(message, priority, success.Result, abortToken).ConfigureAwait(false);
                    RunnerLog.Succeeded(_logger, message.Id, message.TaskName);
                    await CompleteAsync(delivery).ConfigureAwait(false);
                    break;

                case RunOutcome.Failed failure:
                    await HandleFailureAsync(delivery, message, priority, definition, failure, observed, abortToken).ConfigureAwait(false);
                    break;

                case RunOutcome.HardTimeLimitExceeded timeout:
                    RunnerLog.HardTimeLimit(_logger, message.Id, message.TaskName, timeout.Limit);
                    var description = $"The task ran longer than its hard time limit of {timeout.Limit.TotalSeconds:0.###} s.";
                    var timeLimitInfo = CeleryExceptionInfo.Create("TimeLimitExceeded", "billiard.exceptions", description);
                    await StoreOutcomeAsync(Meta(message, received.Queue, TaskStates.Failure, timeLimitInfo, done: true), abortToken).ConfigureAwait(false);
                    _observers.Failed(observed, new TaskFailure(DeadLetterReasons.HardTimeLimitExceeded, "TimeLimitExceeded: " + description, timeLimitInfo, null));
                    await ReturnChordPartAsync(message, priority, TaskStates.Failure, timeLimitInfo, abortToken).ConfigureAwait(false);
                    await SendErrbacksAsync(message, priority, abortToken).ConfigureAwait(false);
                    await DeadLetterAsync(delivery, DeadLetterReasons.HardTimeLimitExceeded, description).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            _observers.Finished(observed);
        }
    }

    private async Task FinishRevokedAsync(ReceivedDelivery delivery, TaskMessage message, int priority, TaskEvent? observed, string reason, CancellationToken abortToken)
    {
        var revokedInfo = CeleryExceptionInfo.Create("TaskRevokedError", "celery.exceptions", reason);
        await _results.StoreAsync(Meta(message, delivery.Message.Queue, TaskStates.Revoked, revokedInfo, done: true), abortToken).ConfigureAwait(false);
        RunnerLog.Revoked(_logger, message.Id, message.TaskName, reason);
        _observers.Revoked(observed, reason);
        await ReturnChordPartAsync(message, priority, TaskStates.Revoked, revokedInfo, abortToken).ConfigureAwait(false);
        await CompleteAsync(delivery).ConfigureAwait(false);
    }

    // Only built when someone listens: the quick path of a worker with no observers allocates nothing here.
    // Lineage is references the message already holds; the chain's ids are worked out only when it has one.
    private TaskEvent? EventFor(TaskMessage message, ReceivedMessage received, int priority) => _observers.Any
        ? new TaskEvent(message.Id, message.TaskName, received.Queue, priority, message.Retries, received.DeliveryCount, received.MessageId, _time.GetUtcNow(), received.EnqueuedAt)
        {
            ParentId = message.ParentId,
            RootId = message.RootId,
            Chain = MessageIds.ForChain(message.Id, message.Chain),
        }
        : null;

    private async Task<RunOutcome> ExecuteAsync(TaskDefinition definition, TaskMessage message, ReceivedMessage received, int priority, RunHandle handle, CancellationToken abortToken)
    {
        // The message's own limits win, then those set at run time (Celery's remote control time_limit), the task's, the defaults.
        var (setSoft, setHard) = _timeLimits.Any ? _timeLimits.Get(message.TaskName) : default;
        var soft = message.SoftTimeLimit ?? setSoft ?? definition.Options.SoftTimeLimit ?? _limits.Soft;
        var hard = message.HardTimeLimit ?? setHard ?? definition.Options.HardTimeLimit ?? _limits.Hard;

        // The soft limit's timer and the link to the shutdown token are set up only for a handler that did
        // not finish synchronously: most quick tasks never pay for them (and every task registering on the
        // one shutdown token contends on it).
        abortToken.ThrowIfCancellationRequested();
        if (handle.Terminated)
        {
            return new RunOutcome.Failed(new OperationCanceledException("The task was revoked with terminate before its handler started."), false);
        }
        using var softLimit = new CancellationTokenSource();
        ITimer? softTimer = null;
        CancellationTokenRegistration abortLink = default;

        var children = new ChildCollector(this, message, priority);
        AsyncServiceScope? scope = definition.HandlerType is null ? null : _scopes.CreateAsyncScope();
        Task? runaway = null;
        try
        {
            IReadOnlyDictionary<string, JsonNode?> arguments = definition.Options.Parameters is { } parameters
                ? ArgumentBinder.Bind(message.TaskName, parameters, message.Args, message.Kwargs)
                : EmptyArguments;

            var context = new TaskContext(
                message.Id, message.TaskName, received.Queue, priority, message.Retries, received.DeliveryCount,
                message.ParentId, message.RootId ?? message.Id, message.Args, message.Kwargs, arguments,
                softLimit.Token, TaskLogger(message.TaskName), scope?.ServiceProvider ?? (IServiceProvider)NullServiceProvider.Instance,
                children.EnqueueAsync);

            var pending = definition.HandlerType is { } type
                ? ((ITaskHandler)scope!.Value.ServiceProvider.GetRequiredService(type)).RunAsync(context)
                : definition.Handler!(context);

            JsonNode? result;
            if (pending.IsCompletedSuccessfully)
            {
                result = pending.Result;
            }
            else
            {
                handle.Attach(softLimit);
                abortLink = abortToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), softLimit);
                softTimer = _time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), softLimit, soft, Timeout.InfiniteTimeSpan);
                var running = pending.AsTask();
                try
                {
                    result = await running.WaitAsync(hard, _time, CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException) when (!running.IsCompleted)
                {
                    softLimit.Cancel();
                    runaway = running;
                    return new RunOutcome.HardTimeLimitExceeded(hard);
                }
            }
            return new RunOutcome.Succeeded(result, children.Children);
        }
        catch (OperationCanceledException) when (abortToken.IsCancellationRequested)
        {
            throw; // shutdown, not failure: the caller abandons the message
        }
        catch (Exception ex)
        {
            return new RunOutcome.Failed(ex, softLimit.IsCancellationRequested && ex is OperationCanceledException);
        }
        finally
        {
            handle.Detach();
            abortLink.Dispose();
            softTimer?.Dispose();
            if (runaway is not null)
            {
                // The handler ignored its token and still runs: its scope (and what it resolved from it)
                // is disposed when it ends, not under it; whatever it ends with is observed.
                _ = runaway.ContinueWith(static (t, state) =>
                {
                    _ = t.Exception;
                    return ((AsyncServiceScope?)state)?.DisposeAsync().AsTask() ?? Task.CompletedTask;
                }, scope, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
            else if (scope is { } s)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task HandleFailureAsync(ReceivedDelivery delivery, TaskMessage message, int priority, TaskDefinition definition, RunOutcome.Failed failure, TaskEvent? observed, CancellationToken abortToken)
    {
        var received = delivery.Message;
        var policy = definition.Options.Retry;
        var exception = failure.Exception is TaskRetryException { InnerException: { } inner } ? inner : failure.Exception;
        var wantsRetry = !failure.SoftTimeLimit && (failure.Exception is TaskRetryException || policy.ShouldRetry(failure.Exception));

        if (wantsRetry && message.Retries < policy.MaxRetries)
        {
            var retryNumber = message.Retries + 1;
            var delay = policy.DelayFor(retryNumber, _random, (failure.Exception as TaskRetryException)?.Countdown);
            var retryInfo = CeleryExceptionInfo.From(exception);
            var retryTraceback = PythonTraceback.Format(exception, retryInfo);
            await StoreOutcomeAsync(Meta(message, received.Queue, TaskStates.Retry, retryInfo, done: false) with { Traceback = retryTraceback }, abortToken).ConfigureAwait(false);
            var eta = await SendRetryAsync(message, received.Queue, priority, retryNumber, delay, abortToken).ConfigureAwait(false);
            RunnerLog.RetryScheduled(_logger, message.Id, message.TaskName, exception.GetType().Name, retryNumber, policy.MaxRetries, delay);
            _observers.RetryScheduled(observed, retryNumber, new TaskFailure(TaskFailure.RetryReason, CeleryExceptionInfo.Describe(retryInfo, exception), retryInfo, retryTraceback), eta);
            await CompleteAsync(delivery).ConfigureAwait(false);
            return;
        }

        string reason;
        string description;
        JsonObject info;
        if (failure.SoftTimeLimit)
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

        var traceback = PythonTraceback.Format(exception, info);
        await StoreOutcomeAsync(Meta(message, received.Queue, TaskStates.Failure, info, done: true) with { Traceback = traceback }, abortToken).ConfigureAwait(false);
        RunnerLog.Failed(_logger, exception, message.Id, message.TaskName, message.Retries, reason);
        _observers.Failed(observed, new TaskFailure(reason, failure.SoftTimeLimit ? "SoftTimeLimitExceeded: " + description : CeleryExceptionInfo.Describe(info, exception), info, traceback));
        await ReturnChordPartAsync(message, priority, TaskStates.Failure, info, abortToken).ConfigureAwait(false);
        await SendErrbacksAsync(message, priority, abortToken).ConfigureAwait(false);
        await DeadLetterAsync(delivery, reason, description).ConfigureAwait(false);
    }

    private async Task FinishDuplicateAsync(ReceivedDelivery delivery, TaskMessage message, int priority, TaskResultMeta existing, CancellationToken abortToken)
    {
        // The earlier run may have died after storing its result but before its follow-ups were sent;
        // they carry deterministic ids, so sending them again is dropped by the broker if they went out.
        // The same for its chord: joined again, it counts once (a chord revoked before its task ran is failed here, as Celery fails it).
        await ReturnChordPartAsync(message, priority, existing.Status, existing.Result, abortToken).ConfigureAwait(false);
        if (existing.Status == TaskStates.Success)
        {
            await SendFollowUpsAsync(message, priority, existing.Result, abortToken).ConfigureAwait(false);
        }
        RunnerLog.AlreadyFinished(_logger, message.Id, message.TaskName, existing.Status, delivery.Message.MessageId);
        await CompleteAsync(delivery).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a chord header task's outcome to its chord and does what follows (<see cref="ChordJoin"/>): runs the body with
    /// every header task's result, or stores its FAILURE (ChordError) and calls its errbacks; then forgets the join.
    /// Nothing for a task that is no chord's header.
    /// </summary>
    private async Task ReturnChordPartAsync(TaskMessage message, int priority, string state, JsonNode? result, CancellationToken abortToken)
    {
        if (message.Chord is null)
        {
            return;
        }
        switch (await _chords.PartReturnedAsync(message, state, result, abortToken).ConfigureAwait(false))
        {
            case ChordJoin.ChordStep.RunBody run:
                if (run.Body.SubtaskType == "chain" && CeleryMessageParser.TryReadSignatures(run.Body.Kwargs["tasks"]) is { Count: > 0 } links)
                {
                    // A chain as the body: its first task gets the results, the rest follow it.
                    await PublishSignatureAsync(message, priority, links[0], run.Results, includeResult: true, [.. links.Skip(1)], "chord", abortToken).ConfigureAwait(false);
                }
                else
                {
                    await PublishSignatureAsync(message, priority, run.Body, run.Results, includeResult: true, [], "chord", abortToken).ConfigureAwait(false);
                }
                RunnerLog.ChordBodySent(_logger, run.GroupId, run.Body.TaskId ?? "?", run.Body.TaskName, run.Results.Count);
                await _results.ForgetChordAsync(run.GroupId, abortToken).ConfigureAwait(false);
                break;

            case ChordJoin.ChordStep.Fail fail:
                // Celery's chord_error_from_stack: the body's own result is the failure, and its errbacks hear of it.
                await StoreOutcomeAsync(new TaskResultMeta
                {
                    TaskId = fail.BodyId,
                    Status = TaskStates.Failure,
                    Result = fail.Error,
                    Traceback = PythonTraceback.ForWorkerError("chord join", fail.Error),
                    DateDone = _time.GetUtcNow(),
                }, abortToken).ConfigureAwait(false);
                RunnerLog.ChordFailed(_logger, fail.GroupId, fail.BodyId, fail.Error["exc_message"]?[0]?.ToString() ?? "");
                if (fail.Body is { } body)
                {
                    var i = 0;
                    foreach (var errback in CeleryMessageParser.TryReadSignatures(body.Options["link_error"]))
                    {
                        await PublishSignatureAsync(message, priority, errback, JsonValue.Create(fail.BodyId), includeResult: true, [], $"chord-error-{i++}", abortToken).ConfigureAwait(false);
                    }
                }
                await _results.ForgetChordAsync(fail.GroupId, abortToken).ConfigureAwait(false);
                break;

            case ChordJoin.ChordStep.Unsupported unsupported:
                RunnerLog.ChordUnsupported(_logger, unsupported.GroupId, unsupported.Reason);
                break;
        }
    }

    private async Task SendFollowUpsAsync(TaskMessage message, int priority, JsonNode? result, CancellationToken abortToken)
    {
        if (message.Chain.Count > 0)
        {
            var next = message.Chain[0];
            var rest = message.Chain.Count == 1 ? [] : message.Chain.Skip(1).ToArray();
            await PublishSignatureAsync(message, priority, next, result, includeResult: true, rest, MessageIds.ChainRole, abortToken).ConfigureAwait(false);
        }
        for (var i = 0; i < message.Callbacks.Count; i++)
        {
            await PublishSignatureAsync(message, priority, message.Callbacks[i], result, includeResult: true, [], $"link-{i}", abortToken).ConfigureAwait(false);
        }
    }

    private async Task SendErrbacksAsync(TaskMessage message, int priority, CancellationToken abortToken)
    {
        // Old-style errbacks: called with the failed task's id (the form every Celery version accepts).
        for (var i = 0; i < message.Errbacks.Count; i++)
        {
            await PublishSignatureAsync(message, priority, message.Errbacks[i], JsonValue.Create(message.Id), includeResult: true, [], $"link-error-{i}", abortToken).ConfigureAwait(false);
        }
    }

    private async Task PublishSignatureAsync(TaskMessage parent, int parentPriority, TaskSignature signature, JsonNode? value, bool includeResult, IReadOnlyList<TaskSignature> chain, string role, CancellationToken abortToken)
    {
        var args = (JsonArray)signature.Args.DeepClone();
        if (includeResult && !signature.Immutable)
        {
            args.Insert(0, value?.DeepClone());
        }
        try
        {
            await _publisher.PublishAsync(new TaskRequest
            {
                TaskName = signature.TaskName,
                TaskId = MessageIds.ForFollowUpLink(parent.Id, signature, role),
                Args = args,
                Kwargs = (JsonObject)signature.Kwargs.DeepClone(),
                // Celery's task_inherit_parent_priority: a link without its own priority runs at its parent's.
                Priority = signature.Priority is { } p && Priorities.IsValid(p) ? p : parentPriority,
                Queue = signature.Queue is { } q && _router.IsKnownQueue(q) ? q : null,
                ParentId = parent.Id,
                RootId = parent.RootId ?? parent.Id,
                Chain = chain,
                // The signature's own callbacks and errbacks (Celery's link / link_error options) go with it.
                Callbacks = CeleryMessageParser.TryReadSignatures(signature.Options["link"]),
                Errbacks = CeleryMessageParser.TryReadSignatures(signature.Options["link_error"]),
            }, abortToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RunnerLog.FollowUpFailed(_logger, ex, signature.TaskName, parent.Id);
            throw;
        }
    }

    private TaskResultMeta Meta(TaskMessage message, string queue, string status, JsonNode? result, bool done) => new()
    {
        TaskId = message.Id,
        Status = status,
        Result = result,
        DateDone = done ? _time.GetUtcNow() : null,
        Extended = _resultOptions.Extended
            ? new ExtendedResultFields(message.TaskName, message.Args, message.Kwargs, _worker.Name, message.Retries, queue)
            : null,
    };

    private Task CompleteAsync(ReceivedDelivery delivery) =>
        SettleAsync(delivery, static (s, ct) => s.CompleteAsync(ct));

    private Task DeadLetterAsync(ReceivedDelivery delivery, string reason, string description)
    {
        RunnerLog.DeadLettered(_logger, delivery.Message.MessageId, delivery.Message.Queue, reason, description);
        TaskTelemetry.CountDeadLettered(delivery.Message.Queue, reason);
        return SettleAsync(delivery, (s, ct) => s.DeadLetterAsync(reason, description, ct));
    }

    private Task AbandonAsync(ReceivedDelivery delivery, string why, Exception? exception, TaskMessage? message = null)
    {
        RunnerLog.Abandoned(_logger, exception, delivery.Message.MessageId, delivery.Message.Queue, why);
        if (message is not null && _observers.Any)
        {
            _observers.Rejected(new RejectedMessage(message.Id, message.TaskName, delivery.Message.Queue, "GivenBack", "Given back to the broker: " + why + ".", Requeued: true));
        }
        return SettleAsync(delivery, static (s, ct) => s.AbandonAsync(ct));
    }

    private bool IsEarlyOrExpired(TaskMessage message)
    {
        var now = _time.GetUtcNow();
        return message.Expires is { } expires && expires <= now || message.Eta is { } eta && eta - now > EtaTolerance;
    }

    private async Task SettleAsync(ReceivedDelivery delivery, Func<IMessageSettlement, CancellationToken, Task> settle)
    {
        // Once the outcome is stored, settling must not be cut short by shutdown: it is not given the
        // abort token, only a timeout of its own (and a timer only when the broker did not answer at once).
        try
        {
            var settling = settle(delivery.Settlement, CancellationToken.None);
            if (!settling.IsCompletedSuccessfully)
            {
                await settling.WaitAsync(SettleTimeout, _time).ConfigureAwait(false);
            }
        }
        catch (MessageLockLostException)
        {
            RunnerLog.LockLost(_logger, delivery.Message.MessageId, delivery.Message.Queue);
        }
        catch (Exception ex)
        {
            RunnerLog.SettleFailed(_logger, ex, delivery.Message.MessageId, delivery.Message.Queue);
        }
    }

    private ILogger TaskLogger(string taskName) =>
        _taskLoggers.GetOrAdd(taskName, static (name, factory) => factory.CreateLogger("Afirgen.Tasks." + name), _loggerFactory);

    private static readonly IReadOnlyDictionary<string, JsonNode?> EmptyArguments = new Dictionary<string, JsonNode?>();

    /// <summary>Enqueues a run's child tasks and remembers them for the result's <c>children</c>.</summary>
    private sealed class ChildCollector(TaskRunner runner, TaskMessage parent, int parentPriority)
    {
        private readonly object _lock = new();
        private JsonArray? _children;
        private int _ordinal;

        // Read once the handler has finished, when no more children can be added.
        public JsonArray? Children => Volatile.Read(ref _children);

        public async Task<string> EnqueueAsync(ChildTaskRequest request, CancellationToken cancellationToken)
        {
            var ordinal = Interlocked.Increment(ref _ordinal);
            var published = await runner._publisher.PublishAsync(new TaskRequest
            {
                TaskName = request.TaskName,
                TaskId = MessageIds.ForChild(parent.Id, request.TaskName, ordinal),
                Args = request.Args,
                Kwargs = request.Kwargs,
                Priority = request.Priority ?? parentPriority,
                Eta = request.Countdown is { } c ? runner._time.GetUtcNow() + c : null,
                ParentId = parent.Id,
                RootId = parent.RootId ?? parent.Id,
            }, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                // Celery's tuple form of an AsyncResult: [[id, parent], None].
                (_children ??= []).Add(new JsonArray(new JsonArray(published.TaskId, null), null));
            }
            return published.TaskId;
        }
    }

    private sealed class NullServiceProvider : IServiceProvider
    {
        public static readonly NullServiceProvider Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}
