using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's inspect commands about the tasks on this worker (<c>active</c>, <c>reserved</c>, <c>scheduled</c>,
/// <c>query_task</c>), in the shape of Celery's <c>Request.info()</c>. A task's arguments are never shown
/// (<c>args</c>/<c>kwargs</c> null), as nowhere else in this processor.
/// </summary>
internal sealed class TaskInspection(
    WorkerIdentity worker, TaskMonitor monitor, CeleryMessageParser parser, Transport.RedisBroker broker, IServiceProvider services)
{
    // At most this many scheduled messages per queue in one answer (Celery's lists what one worker holds; ours read the broker).
    private const int MaxScheduledPerQueue = 1000;

    private QueueConsumerService? Consumer => services.GetService<QueueConsumerService>();

    /// <summary>The tasks running here now (Celery's <c>Request.info()</c> each).</summary>
    public JsonNode Active() => new JsonArray([.. monitor.Active.Select(ActiveInfo)]);

    /// <summary>The messages held here that have not started (prefetched, waiting for their rate limit or a slot).</summary>
    public JsonNode Reserved() => new JsonArray([.. HeldUnstarted().Select(h => (JsonNode)HeldInfo(h.Message, h.Queue, h.DeliveryCount))]);

    /// <summary>
    /// The ETA, countdown and retry messages due later on the queues this worker consumes. A Celery worker lists those
    /// it keeps in memory; ours keep none (they wait in the broker's delayed set, for whichever worker is free when they
    /// are due), so each of our workers lists those of its queues, soonest first, at most 1,000 a queue.
    /// </summary>
    public async Task<JsonNode> ScheduledAsync()
    {
        var scheduled = new JsonArray();
        foreach (var queue in Consumer?.Queues ?? [])
        {
            foreach (var (envelope, due) in await broker.PeekDelayedAsync(queue, MaxScheduledPerQueue).ConfigureAwait(false))
            {
                if (parser.Parse(envelope) is ParseOutcome.Parsed { Message: var message })
                {
                    scheduled.Add(new JsonObject
                    {
                        ["eta"] = PythonTime.IsoFormat(message.Eta ?? due),
                        ["priority"] = message.Priority,
                        ["request"] = HeldInfo(message, queue, 0),
                    });
                }
            }
        }
        return scheduled;
    }

    /// <summary>The tasks among <paramref name="ids"/> this worker runs or holds: <c>{id: [state, info]}</c>.</summary>
    public JsonNode QueryTask(IReadOnlyList<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var found = new JsonObject();
        foreach (var active in monitor.Active.Where(a => wanted.Contains(a.TaskId)))
        {
            found[active.TaskId] = new JsonArray("active", ActiveInfo(active));
        }
        foreach (var held in HeldUnstarted().Where(h => wanted.Contains(h.Message.Id) && !found.ContainsKey(h.Message.Id)))
        {
            found[held.Message.Id] = new JsonArray("reserved", HeldInfo(held.Message, held.Queue, held.DeliveryCount));
        }
        return found;
    }

    private IEnumerable<(TaskMessage Message, string Queue, int DeliveryCount)> HeldUnstarted()
    {
        var running = monitor.Active.Select(a => a.MessageId).ToHashSet(StringComparer.Ordinal);
        foreach (var (message, _) in (Consumer?.Held() ?? []).OrderBy(h => h.ReceivedAt))
        {
            if (!running.Contains(message.MessageId) && parser.Parse(message.Body) is ParseOutcome.Parsed { Message: var parsed })
            {
                yield return (parsed, message.Queue, message.DeliveryCount);
            }
        }
    }

    private JsonObject ActiveInfo(ActiveTask task) =>
        Info(task.TaskId, task.Name, task.Queue, task.Priority, task.DeliveryCount > 1, PythonTime.Timestamp(task.StartedAt), worker.ProcessId);

    private JsonObject HeldInfo(TaskMessage message, string queue, int deliveryCount) =>
        Info(message.Id, message.TaskName, queue, message.Priority, deliveryCount > 1, null, null);

    private JsonObject Info(string id, string name, string queue, int? priority, bool redelivered, double? started, int? pid) =>
        CeleryRequestInfo.Create(id, name, queue, priority, redelivered, worker.Name, started, pid);
}
