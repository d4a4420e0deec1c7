using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's control commands (<c>celery/worker/control.py</c>, type <c>control</c>) carried out by the engine, with
/// Celery's replies: <c>revoke</c>/<c>terminate</c> through the same <see cref="TaskRevoker"/> as
/// <c>POST /api/tasks/{id}/revoke</c> (so the revocation is in the result store, where every instance and the Service
/// Bus hosts check it), <c>rate_limit</c> and <c>time_limit</c> per task name, <c>add_consumer</c> and
/// <c>cancel_consumer</c>, the pool's size (<c>pool_grow</c>, <c>pool_shrink</c>, <c>autoscale</c>), task events
/// (<c>enable_events</c>, <c>disable_events</c>, <c>heartbeat</c>) and, when allowed, <c>shutdown</c>.
/// </summary>
internal sealed partial class ControlCommands(
    TaskRevoker revoker, RunningTasks running, TaskRegistry registry, TaskRateLimits rateLimits, TaskTimeLimits timeLimits,
    WorkerPool pool, CeleryEventPublisher events, IServiceProvider services, IHostApplicationLifetime lifetime,
    IOptions<RemoteControlOptions> options, ILogger<ControlCommands> logger)
{
    private static readonly string[] Signals = ["TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2", "ABRT", "ALRM"];

    private QueueConsumerService Consumer => services.GetService<QueueConsumerService>()
        ?? throw new ControlCommandException("RuntimeError", "This worker pulls no queues: its broker pushes messages to it.");

    /// <summary>
    /// Revokes each of <c>task_id</c> (one id or a list) as the HTTP API does; with <c>terminate</c> a run here is
    /// cancelled. Every signal Celery accepts means the same here: the task's cancellation token fires (a .NET task
    /// has no process of its own to signal); a handler that ignores it runs on to its hard time limit.
    /// </summary>
    public async Task<JsonNode> RevokeAsync(ControlArguments arguments, bool terminate, CancellationToken cancellationToken)
    {
        var ids = arguments.Strings("task_id").Distinct(StringComparer.Ordinal).ToArray();
        var signal = arguments.String("signal");
        if (signal is not null && !IsSignal(signal))
        {
            throw new ControlCommandException("TypeError", $"signal name '{signal}' not valid");
        }
        var terminated = new List<string>();
        foreach (var id in ids)
        {
            var here = terminate && running.IsRunning(id);
            await revoker.RevokeAsync(id, terminate, cancellationToken).ConfigureAwait(false);
            if (here)
            {
                terminated.Add(id);
                LogTerminating(logger, id, signal ?? "TERM");
            }
        }
        if (terminate)
        {
            return InspectCommands.Ok(terminated.Count == 0 ? "terminate: tasks unknown" : "terminate: " + string.Join(", ", terminated));
        }
        LogRevoked(logger, string.Join(", ", ids));
        return InspectCommands.Ok($"tasks {string.Join(", ", ids)} flagged as revoked");
    }

    /// <summary>
    /// Sets (or with no rate, removes) the rate limit of <c>task_name</c> on this worker, as Celery's token bucket
    /// applies it: one task at once after a pause, then one per interval.
    /// </summary>
    public JsonNode RateLimit(ControlArguments arguments)
    {
        var taskName = arguments.RequiredString("task_name");
        var rate = arguments.String("rate_limit");
        double perSecond;
        try
        {
            perSecond = CeleryRate.PerSecond(rate);
        }
        catch (FormatException ex)
        {
            return Error("Invalid rate limit string: " + PythonRepr.OfException("ValueError", [JsonValue.Create(ex.Message)]));
        }
        catch (KeyNotFoundException ex)
        {
            // Celery's worker fails the same way: a unit its table does not hold is a KeyError, not a "nok".
            throw new ControlCommandException("KeyError", ex.Message);
        }
        if (!registry.TryGet(taskName, out _))
        {
            LogUnknownTask(logger, "rate limit", taskName);
            return Error("unknown task");
        }
        rateLimits.Set(taskName, perSecond > 0 ? rate : null);
        if (perSecond <= 0)
        {
            LogRateLimit(logger, taskName, "none");
            return InspectCommands.Ok("rate limit disabled successfully");
        }
        LogRateLimit(logger, taskName, rate!);
        return InspectCommands.Ok("new rate limit set successfully");
    }

    /// <summary>Sets the soft and hard time limits of <c>task_name</c> on this worker (either may be left out).</summary>
    public JsonNode TimeLimit(ControlArguments arguments)
    {
        var taskName = arguments.String("task_name");
        if (taskName is null || !registry.TryGet(taskName, out _))
        {
            LogUnknownTask(logger, "time limit", taskName ?? "(none)");
            return Error("unknown task");
        }
        var soft = arguments.Double("soft") is { } s && s > 0 ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        var hard = arguments.Double("hard") is { } h && h > 0 ? TimeSpan.FromSeconds(h) : (TimeSpan?)null;
        timeLimits.Set(taskName, soft, hard);
        LogTimeLimit(logger, taskName, soft, hard);
        return InspectCommands.Ok("time limits set successfully");
    }

    /// <summary>Starts consuming <c>queue</c> (any name: the Redis transport reads any queue kombu writes).</summary>
    public JsonNode AddConsumer(ControlArguments arguments)
    {
        var queue = arguments.RequiredString("queue");
        if (queue.Length > 255 || queue.Any(char.IsControl) || string.IsNullOrWhiteSpace(queue))
        {
            throw new ControlCommandException("ValueError", "A queue name is 1 to 255 characters with no control characters.");
        }
        Consumer.AddQueue(queue);
        return InspectCommands.Ok($"add consumer {queue}");
    }

    /// <summary>Stops receiving from <c>queue</c>; what is held from it runs on.</summary>
    public JsonNode CancelConsumer(ControlArguments arguments)
    {
        var queue = arguments.RequiredString("queue");
        Consumer.CancelQueue(queue);
        return InspectCommands.Ok($"no longer consuming from {queue}");
    }

    public JsonNode PoolGrow(ControlArguments arguments)
    {
        LogPool(logger, pool.Grow(arguments.Int("n") ?? 1));
        return InspectCommands.Ok("pool will grow");
    }

    public JsonNode PoolShrink(ControlArguments arguments)
    {
        LogPool(logger, pool.Shrink(arguments.Int("n") ?? 1));
        return InspectCommands.Ok("pool will shrink");
    }

    /// <summary>
    /// Celery's <c>autoscale max min</c>: the pool runs at <c>max</c>. An idle slot costs nothing here (no process waits
    /// behind it), so the lower bound has nothing to keep; it is repeated in the reply as given.
    /// </summary>
    public JsonNode Autoscale(ControlArguments arguments)
    {
        var max = arguments.Int("max") ?? pool.Concurrency;
        var min = arguments.Int("min") ?? max;
        var now = pool.SetConcurrency(max);
        LogPool(logger, now);
        return InspectCommands.Ok($"autoscale now max={now} min={min}");
    }

    public JsonNode EnableEvents() =>
        InspectCommands.Ok(events.SetTaskEvents(true) ? "task events enabled" : "task events already enabled");

    public JsonNode DisableEvents() =>
        InspectCommands.Ok(events.SetTaskEvents(false) ? "task events disabled" : "task events already disabled");

    public async Task<JsonNode?> HeartbeatAsync(CancellationToken cancellationToken)
    {
        await events.SendHeartbeatAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Celery's <c>shutdown</c>: a graceful stop, as Ctrl+C (held messages go back, running tasks get the grace period),
    /// when <see cref="RemoteControlOptions.AllowShutdown"/> allows it; like Celery's worker, it then sends no reply.
    /// </summary>
    public JsonNode? Shutdown(ControlArguments arguments, out bool reply)
    {
        var message = arguments.String("msg") ?? "Got shutdown from remote";
        if (!options.Value.AllowShutdown)
        {
            LogShutdownRefused(logger, message);
            reply = true;
            return Error($"shutdown is not allowed on this worker: it is stopped by its supervisor. Set {RemoteControlOptions.Section}:AllowShutdown=true to obey Celery's shutdown.");
        }
        LogShutdown(logger, message);
        lifetime.StopApplication();
        reply = false;
        return null;
    }

    private static JsonObject Error(string value) => new() { ["error"] = value };

    private static bool IsSignal(string signal)
    {
        var name = signal.Trim().ToUpperInvariant();
        name = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        return Signals.Contains(name) || int.TryParse(name, out var number) && number is > 0 and < 65;
    }

    [LoggerMessage(2300, LogLevel.Information, "Tasks flagged as revoked by remote control: {TaskIds}")]
    private static partial void LogRevoked(ILogger logger, string taskIds);

    [LoggerMessage(2301, LogLevel.Information, "Terminating {TaskId} ({Signal}) by remote control: its cancellation token fires")]
    private static partial void LogTerminating(ILogger logger, string taskId, string signal);

    [LoggerMessage(2302, LogLevel.Warning, "Remote control asked to change the {What} of a task this worker does not have: {TaskName}")]
    private static partial void LogUnknownTask(ILogger logger, string what, string taskName);

    [LoggerMessage(2303, LogLevel.Information, "New rate limit for tasks of type {TaskName}: {RateLimit}")]
    private static partial void LogRateLimit(ILogger logger, string taskName, string rateLimit);

    [LoggerMessage(2304, LogLevel.Information, "New time limits for tasks of type {TaskName}: soft={Soft} hard={Hard}")]
    private static partial void LogTimeLimit(ILogger logger, string taskName, TimeSpan? soft, TimeSpan? hard);

    [LoggerMessage(2305, LogLevel.Information, "Remote control resized the pool: {Concurrency} tasks at once")]
    private static partial void LogPool(ILogger logger, int concurrency);

    [LoggerMessage(2306, LogLevel.Warning, "Shutting down by remote control: {Message}")]
    private static partial void LogShutdown(ILogger logger, string message);

    [LoggerMessage(2307, LogLevel.Warning, "Refused Celery's shutdown command ({Message}): TaskProcessor:RemoteControl:AllowShutdown is off, so this worker is stopped by its supervisor")]
    private static partial void LogShutdownRefused(ILogger logger, string message);
}
