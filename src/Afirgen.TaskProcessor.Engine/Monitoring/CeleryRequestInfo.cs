using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// A task as Celery's <c>Request.info()</c> describes it, the shape of <c>inspect active</c>/<c>reserved</c> replies and of
/// Flower's worker objects: one builder for every place that answers in it.
/// </summary>
public static class CeleryRequestInfo
{
    /// <param name="id">The task id.</param>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue it came from (kombu's routing key).</param>
    /// <param name="priority">The message's priority, if known.</param>
    /// <param name="redelivered">Delivered before.</param>
    /// <param name="hostname">The worker's node name.</param>
    /// <param name="timeStart">When it started, Unix seconds; null while held (Celery's reserved requests).</param>
    /// <param name="workerPid">The worker process; null while held.</param>
    /// <remarks><c>acknowledged</c> is false until the outcome is stored (late acknowledgement), as in Celery with acks_late.</remarks>
    public static JsonObject Create(string id, string? name, string queue, int? priority, bool redelivered, string hostname, double? timeStart, int? workerPid) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["args"] = null,
        ["kwargs"] = null,
        ["type"] = name,
        ["hostname"] = hostname,
        ["time_start"] = timeStart,
        ["acknowledged"] = false,
        ["delivery_info"] = new JsonObject
        {
            ["exchange"] = "",
            ["routing_key"] = queue,
            ["priority"] = priority,
            ["redelivered"] = redelivered,
        },
        ["worker_pid"] = workerPid,
    };
}
