using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>
/// The priority lanes of each queue (<see cref="QueueOptions.Lanes"/>): which lane a priority goes to, which
/// queue a lane belongs to. A broker without message priority (Service Bus) keeps each lane as a queue of its own
/// and sends by <see cref="QueueFor"/>; its receivers map a lane back with <see cref="LogicalQueueOf"/>, so the
/// engine (gate, retries, monitoring, results) only ever sees the logical queue and the message's priority.
/// </summary>
public sealed class QueueLanes
{
    /// <summary>The usual name of a queue's top lane, which takes priorities 7–10 unless told otherwise.</summary>
    public const string High = "high";

    /// <summary>
    /// How monitoring and the dead-letter API name a queue's own broker queue as a lane (its lowest band): <c>reports</c>
    /// alone means every lane of <c>reports</c>, lane <c>base</c> of <c>reports</c> only the queue's own broker queue.
    /// </summary>
    public const string Base = "base";

    /// <summary>Between a queue's name and its lane's in the lane queue's name (<c>reports-high</c>).</summary>
    public const string Separator = "-";

    private readonly Dictionary<string, QueueLane[]> _byQueue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueLane> _byLaneQueue = new(StringComparer.Ordinal);

    public QueueLanes(IOptions<RoutingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (queue, q) in options.Value.Queues)
        {
            var lanes = q.Lanes.Where(l => l.Value.Enabled)
                .Select(l => new QueueLane(queue, l.Key, LaneQueueName(queue, l.Key), l.Value.MinPriority, l.Value.MaxPriority))
                .OrderByDescending(l => l.MinPriority)
                .ToList();
            // The queue itself takes every priority no lane takes; shown as its lowest band.
            var floor = lanes.Count == 0 ? Engine.Priority.Priorities.Highest : lanes.Min(l => l.MinPriority) - 1;
            lanes.Add(new QueueLane(queue, null, queue, Engine.Priority.Priorities.Lowest, floor));
            _byQueue[queue] = [.. lanes];
            foreach (var lane in lanes)
            {
                _byLaneQueue.TryAdd(lane.Queue, lane);
            }
        }
    }

    /// <summary>The name of <paramref name="queue"/>'s lane <paramref name="lane"/> as a broker queue.</summary>
    public static string LaneQueueName(string queue, string lane) => queue + Separator + lane;

    /// <summary>True when any queue has a lane.</summary>
    public bool Any => _byQueue.Values.Any(l => l.Length > 1);

    /// <summary>
    /// The lanes of <paramref name="queue"/>, highest band first, ending with the queue itself (<see cref="QueueLane.Name"/>
    /// null); a queue without lanes, or not configured, is its own single lane.
    /// </summary>
    public IReadOnlyList<QueueLane> LanesOf(string queue) =>
        _byQueue.TryGetValue(queue, out var lanes) ? lanes : [new QueueLane(queue, null, queue, Engine.Priority.Priorities.Lowest, Engine.Priority.Priorities.Highest)];

    /// <summary>The broker queue a message of <paramref name="priority"/> for <paramref name="queue"/> goes to.</summary>
    public string QueueFor(string queue, int priority)
    {
        if (_byQueue.TryGetValue(queue, out var lanes))
        {
            foreach (var lane in lanes)
            {
                if (lane.Name is not null && priority >= lane.MinPriority && priority <= lane.MaxPriority)
                {
                    return lane.Queue;
                }
            }
        }
        return queue;
    }

    /// <summary>The logical queue a broker queue (a lane, or the queue itself) belongs to.</summary>
    public string LogicalQueueOf(string brokerQueue) =>
        _byLaneQueue.TryGetValue(brokerQueue, out var lane) ? lane.LogicalQueue : brokerQueue;

    /// <summary>The lane a broker queue is, or null when it is no configured queue or lane.</summary>
    public QueueLane? LaneOf(string brokerQueue) => _byLaneQueue.GetValueOrDefault(brokerQueue);

    /// <summary>Every broker queue: each queue's lanes, highest first, then the queue.</summary>
    public IReadOnlyList<string> BrokerQueues => _byQueue.Values.SelectMany(l => l).Select(l => l.Queue).ToArray();

    /// <summary>
    /// For each queue with lanes, the lowest priority of each lane above the queue itself, ascending: what the
    /// priority gate needs to tell lanes apart.
    /// </summary>
    public IReadOnlyDictionary<string, int[]> LaneFloors() =>
        _byQueue.Where(q => q.Value.Length > 1)
            .ToDictionary(q => q.Key, q => q.Value.Where(l => l.Name is not null).Select(l => l.MinPriority).Order().ToArray(), StringComparer.Ordinal);
}

/// <summary>One lane of a queue.</summary>
/// <param name="LogicalQueue">The queue it belongs to (routing's name).</param>
/// <param name="Name">The lane's name, or null for the queue itself (its lowest band).</param>
/// <param name="Queue">Its broker queue: <c>&lt;queue&gt;-&lt;lane&gt;</c>, or the queue's own name.</param>
/// <param name="MinPriority">The lowest priority it takes.</param>
/// <param name="MaxPriority">The highest priority it takes.</param>
public sealed record QueueLane(string LogicalQueue, string? Name, string Queue, int MinPriority, int MaxPriority);
