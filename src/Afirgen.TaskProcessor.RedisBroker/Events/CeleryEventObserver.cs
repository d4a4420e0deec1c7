using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;

namespace Afirgen.TaskProcessor.RedisBroker.Events;

/// <summary>
/// Turns what the runner does into Celery's task events, with the fields Celery 5.2's worker gives each
/// (<c>celery/worker/strategy.py</c>, <c>request.py</c>): <c>task-sent</c> (the API's enqueues, with
/// <c>task_send_sent_event</c>), <c>task-received</c>, <c>task-started</c>, <c>task-succeeded</c> (the result's repr and the
/// runtime), <c>task-failed</c> and <c>task-retried</c> (the exception's repr and the Python-shaped traceback),
/// <c>task-revoked</c> (<c>terminated</c>, <c>signum</c>, <c>expired</c>), <c>task-rejected</c> (<c>requeue</c>); an unknown task
/// is <c>task-failed</c> with <c>NotRegistered('name')</c>, as Celery's worker reports it. Arguments are never sent
/// (<c>args</c> and <c>kwargs</c> are null): this processor shows task arguments nowhere but in the result store.
/// </summary>
/// <remarks>Called inline by the runner: builds nothing unless <see cref="CeleryEventPublisher.WantsTaskEvents"/>.</remarks>
internal sealed class CeleryEventObserver(CeleryEventPublisher publisher, TimeProvider time) : ITaskObserver
{
    // Celery's resultrepr_maxsize.
    private const int MaxResultRepr = 1024;
    private const int TermSignal = 15;

    public void OnSent(PublishedTask task)
    {
        if (!publisher.WantsSentEvents)
        {
            return;
        }
        publisher.Enqueue("task-sent", new JsonObject
        {
            ["uuid"] = task.TaskId,
            ["root_id"] = task.TaskId,
            ["parent_id"] = null,
            ["name"] = task.TaskName,
            ["args"] = null,
            ["kwargs"] = null,
            ["retries"] = 0,
            ["eta"] = task.Eta is { } eta ? PythonTime.IsoFormat(eta) : null,
            ["expires"] = task.Expires is { } expires ? PythonTime.IsoFormat(expires) : null,
            ["queue"] = task.Queue,
            ["exchange"] = "",
            ["routing_key"] = task.Queue,
        });
    }

    public void OnReceived(TaskMessage message, string queue, int priority)
    {
        if (!publisher.WantsTaskEvents)
        {
            return;
        }
        publisher.Enqueue("task-received", new JsonObject
        {
            ["uuid"] = message.Id,
            ["name"] = message.TaskName,
            ["args"] = null,
            ["kwargs"] = null,
            ["root_id"] = message.RootId,
            ["parent_id"] = message.ParentId,
            ["retries"] = message.Retries,
            ["eta"] = message.Eta is { } eta ? PythonTime.IsoFormat(eta) : null,
            ["expires"] = message.Expires is { } expires ? PythonTime.IsoFormat(expires) : null,
        });
    }

    public void OnStarted(TaskEvent task)
    {
        if (publisher.WantsTaskEvents)
        {
            publisher.Enqueue("task-started", new JsonObject { ["uuid"] = task.TaskId });
        }
    }

    public void OnSucceeded(TaskEvent task, JsonNode? result)
    {
        if (!publisher.WantsTaskEvents)
        {
            return;
        }
        var repr = PythonRepr.Of(result);
        publisher.Enqueue("task-succeeded", new JsonObject
        {
            ["uuid"] = task.TaskId,
            ["result"] = repr.Length > MaxResultRepr ? repr[..MaxResultRepr] + "..." : repr,
            ["runtime"] = Runtime(task),
        });
    }

    public void OnRetryScheduled(TaskEvent task, int retryNumber, TaskFailure failure, DateTimeOffset eta)
    {
        if (publisher.WantsTaskEvents)
        {
            publisher.Enqueue("task-retried", new JsonObject
            {
                ["uuid"] = task.TaskId,
                ["exception"] = PythonRepr.OfException(failure.Exception),
                ["traceback"] = failure.Traceback ?? "",
            });
        }
    }

    public void OnFailed(TaskEvent task, TaskFailure failure)
    {
        if (publisher.WantsTaskEvents)
        {
            publisher.Enqueue("task-failed", new JsonObject
            {
                ["uuid"] = task.TaskId,
                ["exception"] = PythonRepr.OfException(failure.Exception),
                ["traceback"] = failure.Traceback,
            });
        }
    }

    public void OnRevoked(TaskEvent task, string reason)
    {
        if (publisher.WantsTaskEvents)
        {
            var terminated = reason == "terminated";
            publisher.Enqueue("task-revoked", new JsonObject
            {
                ["uuid"] = task.TaskId,
                ["terminated"] = terminated,
                ["signum"] = terminated ? TermSignal : null,
                ["expired"] = reason == "expired",
            });
        }
    }

    public void OnRejected(RejectedMessage message)
    {
        if (message.TaskId is null || !publisher.WantsTaskEvents)
        {
            return;
        }
        if (message.Reason == DeadLetterReasons.UnknownTask)
        {
            // What Celery's worker sends for a task it does not have (consumer.on_unknown_task).
            publisher.Enqueue("task-failed", new JsonObject
            {
                ["uuid"] = message.TaskId,
                ["exception"] = PythonRepr.OfException("NotRegistered", [JsonValue.Create(message.TaskName)]),
            });
            return;
        }
        publisher.Enqueue("task-rejected", new JsonObject { ["uuid"] = message.TaskId, ["requeue"] = message.Requeued });
    }

    private double Runtime(TaskEvent task) => Math.Max(0, (time.GetUtcNow() - task.ReceivedAt).TotalSeconds);
}
