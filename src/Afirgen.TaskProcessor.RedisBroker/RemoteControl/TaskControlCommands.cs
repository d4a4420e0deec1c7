using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's control commands on tasks (<c>celery/worker/control.py</c>, type <c>control</c>), with Celery's replies:
/// <c>revoke</c>/<c>terminate</c> through the same <see cref="TaskRevoker"/> as <c>POST /api/tasks/{id}/revoke</c> (so
/// the revocation is in the result store, where every instance and the Service Bus hosts check it), and
/// <c>rate_limit</c> and <c>time_limit</c> per task name.
/// </summary>
internal sealed partial class TaskControlCommands(
    TaskRevoker revoker, RunningTasks running, TaskRegistry registry, TaskRateLimits rateLimits, TaskTimeLimits timeLimits,
    ILogger<TaskControlCommands> logger)
{
    private static readonly string[] Signals = ["TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2", "ABRT", "ALRM"];

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
            return ControlReply.Ok(terminated.Count == 0 ? "terminate: tasks unknown" : "terminate: " + string.Join(", ", terminated));
        }
        LogRevoked(logger, string.Join(", ", ids));
        return ControlReply.Ok($"tasks {string.Join(", ", ids)} flagged as revoked");
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
            return ControlReply.Error("Invalid rate limit string: " + PythonRepr.OfException("ValueError", [JsonValue.Create(ex.Message)]));
        }
        catch (KeyNotFoundException ex)
        {
            // Celery's worker fails the same way: a unit its table does not hold is a KeyError, not a "nok".
            throw new ControlCommandException("KeyError", ex.Message);
        }
        if (!registry.TryGet(taskName, out _))
        {
            LogUnknownTask(logger, "rate limit", taskName);
            return ControlReply.Error("unknown task");
        }
        rateLimits.Set(taskName, perSecond > 0 ? rate : null);
        if (perSecond <= 0)
        {
            LogRateLimit(logger, taskName, "none");
            return ControlReply.Ok("rate limit disabled successfully");
        }
        LogRateLimit(logger, taskName, rate!);
        return ControlReply.Ok("new rate limit set successfully");
    }

    /// <summary>Sets the soft and hard time limits of <c>task_name</c> on this worker (either may be left out).</summary>
    public JsonNode TimeLimit(ControlArguments arguments)
    {
        var taskName = arguments.String("task_name");
        if (taskName is null || !registry.TryGet(taskName, out _))
        {
            LogUnknownTask(logger, "time limit", taskName ?? "(none)");
            return ControlReply.Error("unknown task");
        }
        var soft = arguments.Double("soft") is { } s && s > 0 ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        var hard = arguments.Double("hard") is { } h && h > 0 ? TimeSpan.FromSeconds(h) : (TimeSpan?)null;
        timeLimits.Set(taskName, soft, hard);
        LogTimeLimit(logger, taskName, soft, hard);
        return ControlReply.Ok("time limits set successfully");
    }

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
}
