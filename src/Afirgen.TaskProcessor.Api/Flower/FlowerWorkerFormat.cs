using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>
/// A worker's running and held tasks as Flower's <c>/api/workers</c> serves them: what <c>celery inspect active</c> and
/// <c>reserved</c> answered, a list of Celery's <c>Request.info()</c> per worker (<c>id</c>, <c>name</c>, <c>args</c>,
/// <c>kwargs</c>, <c>type</c>, <c>hostname</c>, <c>time_start</c>, <c>acknowledged</c>, <c>delivery_info</c>,
/// <c>worker_pid</c>), as our workers answer Celery's remote control on the Redis transport. Arguments are never shown.
/// </summary>
internal static class FlowerWorkerFormat
{
    public static JsonObject Active(ActiveTask task, InstanceState worker) =>
        Info(task.TaskId, task.Name, task.Queue, task.Priority, task.DeliveryCount, worker, task.StartedAt.ToUnixTimeMilliseconds() / 1000.0, worker.ProcessId);

    /// <summary>A held message; Celery's reserved requests have not started, so no start time or pool process.</summary>
    public static JsonObject Reserved(ReservedMessage message, InstanceState worker)
    {
        var info = Info(message.TaskId ?? message.MessageId, message.Name, message.Queue, message.Priority, message.DeliveryCount, worker, null, null);
        info["message_id"] = message.MessageId; // ours: the broker's id, which replays and retries suffix
        return info;
    }

    private static JsonObject Info(string id, string? name, string queue, int? priority, int deliveryCount, InstanceState worker, double? started, int? pid) =>
        CeleryRequestInfo.Create(id, name, queue, priority, deliveryCount > 1, worker.Name, started, pid);
}
