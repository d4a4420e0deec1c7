using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.RedisBroker.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's control commands on the worker itself (<c>celery/worker/control.py</c>, type <c>control</c>), with
/// Celery's replies: <c>add_consumer</c> and <c>cancel_consumer</c>, the pool's size (<c>pool_grow</c>,
/// <c>pool_shrink</c>, <c>autoscale</c>), task events (<c>enable_events</c>, <c>disable_events</c>, <c>heartbeat</c>)
/// and, when allowed, <c>shutdown</c>.
/// </summary>
internal sealed partial class WorkerControlCommands(
    WorkerPool pool, CeleryEventPublisher events, IServiceProvider services, IHostApplicationLifetime lifetime,
    IOptions<RemoteControlOptions> options, ILogger<WorkerControlCommands> logger)
{
    private QueueConsumerService Consumer => services.GetService<QueueConsumerService>()
        ?? throw new ControlCommandException("RuntimeError", "This worker pulls no queues: its broker pushes messages to it.");

    /// <summary>Starts consuming <c>queue</c> (any name: the Redis transport reads any queue kombu writes).</summary>
    public JsonNode AddConsumer(ControlArguments arguments)
    {
        var queue = arguments.RequiredString("queue");
        if (queue.Length > 255 || queue.Any(char.IsControl) || string.IsNullOrWhiteSpace(queue))
        {
            throw new ControlCommandException("ValueError", "A queue name is 1 to 255 characters with no control characters.");
        }
        Consumer.AddQueue(queue);
        return ControlReply.Ok($"add consumer {queue}");
    }

    /// <summary>Stops receiving from <c>queue</c>; what is held from it runs on.</summary>
    public JsonNode CancelConsumer(ControlArguments arguments)
    {
        var queue = arguments.RequiredString("queue");
        Consumer.CancelQueue(queue);
        return ControlReply.Ok($"no longer consuming from {queue}");
    }

    public JsonNode PoolGrow(ControlArguments arguments)
    {
        LogPool(logger, pool.Grow(arguments.Int("n") ?? 1));
        return ControlReply.Ok("pool will grow");
    }

    public JsonNode PoolShrink(ControlArguments arguments)
    {
        LogPool(logger, pool.Shrink(arguments.Int("n") ?? 1));
        return ControlReply.Ok("pool will shrink");
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
        return ControlReply.Ok($"autoscale now max={now} min={min}");
    }

    public JsonNode EnableEvents() =>
        ControlReply.Ok(events.SetTaskEvents(true) ? "task events enabled" : "task events already enabled");

    public JsonNode DisableEvents() =>
        ControlReply.Ok(events.SetTaskEvents(false) ? "task events disabled" : "task events already disabled");

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
            return ControlReply.Error($"shutdown is not allowed on this worker: it is stopped by its supervisor. Set {RemoteControlOptions.Section}:AllowShutdown=true to obey Celery's shutdown.");
        }
        LogShutdown(logger, message);
        lifetime.StopApplication();
        reply = false;
        return null;
    }

    [LoggerMessage(2305, LogLevel.Information, "Remote control resized the pool: {Concurrency} tasks at once")]
    private static partial void LogPool(ILogger logger, int concurrency);

    [LoggerMessage(2306, LogLevel.Warning, "Shutting down by remote control: {Message}")]
    private static partial void LogShutdown(ILogger logger, string message);

    [LoggerMessage(2307, LogLevel.Warning, "Refused Celery's shutdown command ({Message}): TaskProcessor:RemoteControl:AllowShutdown is off, so this worker is stopped by its supervisor")]
    private static partial void LogShutdownRefused(ILogger logger, string message);
}
