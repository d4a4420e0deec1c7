namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// How this instance reports itself and its tasks to the shared monitoring state (Redis): the instance
/// registry behind <c>inspect</c> and <c>/api/workers</c>, and the task index behind <c>/api/tasks</c>.
/// </summary>
public sealed class MonitoringOptions
{
    public const string Section = "TaskProcessor:Monitoring";

    /// <summary>How often the instance writes its heartbeat (identity, active tasks, counters).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An instance whose last heartbeat is older than this is gone: it leaves the worker list, and the
    /// tasks it was running show as lost, awaiting redelivery, until their lock would have expired.
    /// </summary>
    public TimeSpan HeartbeatExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Write each task's state changes to the task index behind Flower's <c>/api/tasks</c> and the dashboard's task
    /// list (Celery's <c>worker_send_task_events</c>, <c>-E</c>, which Flower's task list needs). Off, those lists
    /// show nothing new; results, workers, queues, <c>inspect</c> and metrics are unaffected.
    /// </summary>
    public bool TaskEvents { get; set; } = true;

    /// <summary>
    /// Send Celery's <c>task-sent</c> event when a task is enqueued through this instance's API (Celery's
    /// <c>task_send_sent_event</c>). Only where events can be published: on Celery's Redis transport.
    /// </summary>
    public bool SendSentEvent { get; set; }

    /// <summary>How often task events are written to the task index, in one batch.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>At most this many tasks are kept in the index (older ones are dropped first; all expire with their results).</summary>
    public int MaxIndexedTasks { get; set; } = 100_000;

    /// <summary>Task events waiting to be written; past this, new events are dropped (and counted), never waited for.</summary>
    public int MaxPendingEvents { get; set; } = 65_536;
}
