using System.Diagnostics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Running;

namespace Afirgen.TaskProcessor.Engine.Telemetry;

/// <summary>
/// Turns the runner's events into <see cref="TaskTelemetry"/> metrics, and marks the run's span with its
/// outcome (observers are called inline on the run, where the span is <see cref="Activity.Current"/>).
/// </summary>
public sealed class TaskMetricsObserver(TimeProvider time) : ITaskObserver
{
    public void OnStarted(TaskEvent task)
    {
        if (TaskTelemetry.InFlight.Enabled)
        {
            TaskTelemetry.InFlight.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", task.Queue));
        }
        if (TaskTelemetry.QueueWait.Enabled)
        {
            var wait = task.ReceivedAt - task.EnqueuedAt;
            TaskTelemetry.QueueWait.Record(Math.Max(0, wait.TotalSeconds), Tags(task));
        }
    }

    public void OnSucceeded(TaskEvent task, JsonNode? result) => Ended(task, "succeeded", ActivityStatusCode.Ok, null);

    public void OnRetryScheduled(TaskEvent task, int retryNumber, string errorText, DateTimeOffset eta) =>
        Ended(task, "retried", ActivityStatusCode.Error, errorText);

    public void OnFailed(TaskEvent task, string reason, string errorText) => Ended(task, "failed", ActivityStatusCode.Error, errorText);

    public void OnRevoked(TaskEvent task, string reason) => Ended(task, "revoked", ActivityStatusCode.Unset, null);

    public void OnFinished(TaskEvent task)
    {
        if (TaskTelemetry.InFlight.Enabled)
        {
            TaskTelemetry.InFlight.Add(-1, new KeyValuePair<string, object?>("messaging.destination.name", task.Queue));
        }
    }

    private void Ended(TaskEvent task, string outcome, ActivityStatusCode status, string? error)
    {
        if (TaskTelemetry.Runs.Enabled || TaskTelemetry.RunDuration.Enabled)
        {
            var tags = Tags(task);
            tags.Add("outcome", outcome);
            TaskTelemetry.Runs.Add(1, tags);
            TaskTelemetry.RunDuration.Record((time.GetUtcNow() - task.ReceivedAt).TotalSeconds, tags);
        }
        if (Activity.Current is { } activity && activity.Source == TaskTelemetry.Source && activity.Kind == ActivityKind.Consumer)
        {
            activity.SetTag("celery.outcome", outcome);
            activity.SetStatus(status, error);
        }
    }

    private static TagList Tags(TaskEvent task) => new()
    {
        { "celery.task_name", task.TaskName },
        { "messaging.destination.name", task.Queue },
    };
}
