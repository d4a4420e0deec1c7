using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Revocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Runs a task's handler under its time limits and reports how it ended (<see cref="RunOutcome"/>): binds its
/// arguments, gives it a scope of its own, cancels its token at the soft limit (or on terminate, or when the host
/// must stop now), and stops waiting for it at the hard limit. A handler that finishes without awaiting pays for
/// no timer, no token link and no async state.
/// </summary>
internal sealed class TaskExecutor(IServiceScopeFactory scopes, TimeProvider time, IOptions<TimeLimitOptions> limits, TaskTimeLimits timeLimits, TaskPublisher publisher, ILoggerFactory loggerFactory)
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> EmptyArguments = new Dictionary<string, JsonNode?>();
    private readonly TimeLimitOptions _limits = limits.Value;
    private readonly ConcurrentDictionary<string, ILogger> _taskLoggers = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="definition"/>'s handler for <paramref name="attempt"/>. Throws only when
    /// <paramref name="abortToken"/> fired (shutdown, not failure: the caller gives the message back).
    /// </summary>
    // Longer than most because the token, the timer, the scope and a runaway handler share one try/finally: split,
    // the await of the handler would need a second async state machine per task.
    public async ValueTask<RunOutcome> RunAsync(TaskAttempt attempt, TaskDefinition definition, RunHandle handle, CancellationToken abortToken)
    {
        var message = attempt.Message;
        // The soft limit's timer and the link to the shutdown token are set up only for a handler that did
        // not finish synchronously: most quick tasks never pay for them (and every task registering on the
        // one shutdown token contends on it).
        abortToken.ThrowIfCancellationRequested();
        if (handle.Terminated)
        {
            return RunOutcome.Failed(new OperationCanceledException("The task was revoked with terminate before its handler started."), false);
        }
        using var softLimit = new CancellationTokenSource();
        ITimer? softTimer = null;
        CancellationTokenRegistration abortLink = default;
        AsyncServiceScope? scope = definition.HandlerType is null ? null : scopes.CreateAsyncScope();
        Task? runaway = null;
        try
        {
            var children = new ChildCollector(publisher, time, message, attempt.Priority);
            var pending = InvokeAsync(attempt, definition, scope, children, softLimit.Token);
            JsonNode? result;
            if (pending.IsCompletedSuccessfully)
            {
                result = pending.Result;
            }
            else
            {
                var (soft, hard) = LimitsFor(message, definition);
                handle.Attach(softLimit);
                abortLink = abortToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), softLimit);
                softTimer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), softLimit, soft, Timeout.InfiniteTimeSpan);
                var running = pending.AsTask();
                try
                {
                    result = await running.WaitAsync(hard, time, CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException) when (!running.IsCompleted)
                {
                    await softLimit.CancelAsync().ConfigureAwait(false);
                    runaway = running;
                    return RunOutcome.HardTimeLimitExceeded(hard);
                }
            }
            return RunOutcome.Succeeded(result, children.Children);
        }
        catch (OperationCanceledException) when (abortToken.IsCancellationRequested)
        {
            throw; // shutdown, not failure: the caller abandons the message
        }
        catch (Exception ex)
        {
            return RunOutcome.Failed(ex, softLimit.IsCancellationRequested && ex is OperationCanceledException);
        }
        finally
        {
            handle.Detach();
            await abortLink.DisposeAsync().ConfigureAwait(false);
            softTimer?.Dispose();
            if (runaway is not null)
            {
                DisposeWhenDone(runaway, scope);
            }
            else if (scope is { } s)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The message's own limits win, then those set at run time (Celery's remote control time_limit), the task's, the defaults.</summary>
    private (TimeSpan Soft, TimeSpan Hard) LimitsFor(Messages.TaskMessage message, TaskDefinition definition)
    {
        var (setSoft, setHard) = timeLimits.Any ? timeLimits.Get(message.TaskName) : default;
        return (message.SoftTimeLimit ?? setSoft ?? definition.Options.SoftTimeLimit ?? _limits.Soft,
            message.HardTimeLimit ?? setHard ?? definition.Options.HardTimeLimit ?? _limits.Hard);
    }

    /// <summary>Binds the arguments, builds the task's context and calls its handler (resolved from <paramref name="scope"/> for a handler type).</summary>
    private ValueTask<JsonNode?> InvokeAsync(TaskAttempt attempt, TaskDefinition definition, AsyncServiceScope? scope, ChildCollector children, CancellationToken softLimit)
    {
        var message = attempt.Message;
        var received = attempt.Received;
        IReadOnlyDictionary<string, JsonNode?> arguments = definition.Options.Parameters is { } parameters
            ? ArgumentBinder.Bind(message.TaskName, parameters, message.Args, message.Kwargs)
            : EmptyArguments;

        var context = new TaskContext(
            message.Id, message.TaskName, received.Queue, attempt.Priority, message.Retries, received.DeliveryCount,
            message.ParentId, message.RootId ?? message.Id, message.Args, message.Kwargs, arguments,
            TaskLogger(message.TaskName), scope?.ServiceProvider ?? (IServiceProvider)NullServiceProvider.Instance,
            children.EnqueueAsync, softLimit);

        return definition.HandlerType is { } type
            ? ((ITaskHandler)scope!.Value.ServiceProvider.GetRequiredService(type)).RunAsync(context)
            : definition.Handler!(context);
    }

    /// <summary>
    /// The handler ignored its token and still runs: its scope (and what it resolved from it) is disposed when it
    /// ends, not under it; whatever it ends with is observed.
    /// </summary>
    private static void DisposeWhenDone(Task runaway, AsyncServiceScope? scope) =>
        _ = runaway.ContinueWith(static (t, state) =>
        {
            _ = t.Exception;
            return ((AsyncServiceScope?)state)?.DisposeAsync().AsTask() ?? Task.CompletedTask;
        }, scope, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();

    private ILogger TaskLogger(string taskName) =>
        _taskLoggers.GetOrAdd(taskName, static (name, factory) => factory.CreateLogger("Afirgen.Tasks." + name), loggerFactory);

    private sealed class NullServiceProvider : IServiceProvider
    {
        public static readonly NullServiceProvider Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}
