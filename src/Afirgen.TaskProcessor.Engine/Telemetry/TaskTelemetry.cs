using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Telemetry;

/// <summary>
/// The engine's traces and metrics, on .NET's own <see cref="ActivitySource"/> and <see cref="Meter"/>
/// (no exporter here: each host wires OpenTelemetry to them by name). A trace spans the producer, the
/// queue and the run: the W3C trace context travels in the Celery message headers <c>traceparent</c> and
/// <c>tracestate</c> (where Celery's own OpenTelemetry instrumentation puts it), and child tasks join their
/// parent's trace. With nobody listening, each call costs a check and nothing more.
/// </summary>
public static class TaskTelemetry
{
    /// <summary>The name of the activity source and of the meter, for exporters to subscribe to.</summary>
    public const string Name = "Afirgen.TaskProcessor";

    /// <summary>Where spans come from.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Where metrics come from.</summary>
    public static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Runs = Meter.CreateCounter<long>("afirgen.tasks.runs", "{run}",
        "Task runs by outcome (succeeded, retried, failed, revoked).");
    internal static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("afirgen.tasks.run.duration", "s",
        "How long a task's run took, by task, queue and outcome.");
    internal static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("afirgen.tasks.queue.wait", "s",
        "How long a message waited between being enqueued (or due) and its run starting.");
    internal static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>("afirgen.tasks.in_flight", "{run}",
        "Runs in progress in this process.");
    internal static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("afirgen.tasks.dead_lettered", "{message}",
        "Messages moved to a dead-letter queue, by queue and reason.");

    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    /// <summary>
    /// Starts the producer span of a task about to be enqueued and returns the headers to send with it:
    /// <paramref name="headers"/> plus its trace context (a copy; the caller's object is not changed).
    /// The span ends at once: it marks the message's creation, and its context is what the run continues.
    /// </summary>
    internal static JsonObject CreateMessage(string taskName, string taskId, string queue, JsonObject headers)
    {
        if (!Source.HasListeners())
        {
            return headers;
        }
        using var activity = Source.StartActivity("create " + taskName, ActivityKind.Producer);
        if (activity is null)
        {
            return headers;
        }
        activity.SetTag("messaging.system", "celery");
        activity.SetTag("messaging.operation.type", "create");
        activity.SetTag("messaging.destination.name", queue);
        activity.SetTag("messaging.message.id", taskId);
        activity.SetTag("celery.task_name", taskName);
        var copy = (JsonObject)headers.DeepClone();
        copy[TraceParent] = activity.Id;
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            copy[TraceState] = activity.TraceStateString;
        }
        else
        {
            copy.Remove(TraceState);
        }
        return copy;
    }

    /// <summary>
    /// Starts the consumer span of a run, continuing the trace in the message's headers (a message without
    /// one starts a new trace). The span is <see cref="Activity.Current"/> while the handler runs, so its
    /// logs, its outgoing calls and the child tasks it enqueues join the trace.
    /// </summary>
    internal static Activity? StartRun(TaskMessage message, string queue, int priority, int deliveryCount)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext parent = default;
        if (message.ExtraHeaders[TraceParent] is JsonValue p && p.TryGetValue(out string? traceParent))
        {
            var traceState = message.ExtraHeaders[TraceState] is JsonValue s && s.TryGetValue(out string? state) ? state : null;
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent);
        }
        var activity = Source.StartActivity("process " + message.TaskName, ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "celery");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("messaging.message.id", message.Id);
            activity.SetTag("messaging.message.delivery_count", deliveryCount);
            activity.SetTag("celery.task_name", message.TaskName);
            activity.SetTag("celery.priority", priority);
            activity.SetTag("celery.retries", message.Retries);
        }
        return activity;
    }

    /// <summary>Counts a message moved to a dead-letter queue.</summary>
    internal static void CountDeadLettered(string queue, string reason)
    {
        if (DeadLettered.Enabled)
        {
            DeadLettered.Add(1, new TagList { { "messaging.destination.name", queue }, { "reason", reason } });
        }
    }
}
