using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>One lane of a queue as monitoring shows it.</summary>
/// <param name="Name">Its broker queue (<c>reports-high</c>; the base lane's is the queue's own name).</param>
/// <param name="Lane">The lane's name (<c>high</c>), or <see cref="QueueLanes.Base"/> for the queue's own broker queue.</param>
/// <param name="MinPriority">The lowest priority it takes.</param>
/// <param name="MaxPriority">The highest priority it takes.</param>
/// <param name="Waiting">Messages ready to be received on this lane.</param>
/// <param name="Scheduled">Messages held until a later time on this lane.</param>
/// <param name="InFlight">Messages locked and not yet settled on this lane.</param>
/// <param name="DeadLettered">Messages in this lane's dead-letter queue.</param>
public sealed record LaneDepth(string Name, string Lane, int MinPriority, int MaxPriority, long Waiting, long Scheduled, long InFlight, long DeadLettered);

/// <summary>A queue's totals, and its lanes (empty where the broker keeps no lanes).</summary>
public sealed record QueueDepth(QueueStatistics Totals, IReadOnlyList<LaneDepth> Lanes);

/// <summary>
/// Queue depths for monitoring (<c>/api/queues</c>, <c>inspect active_queues</c>, the dashboard, Flower's queue
/// lengths), written once: each queue's totals from the statistics port and, on a broker that keeps lanes as queues
/// of their own (<see cref="LanedBroker"/>, Service Bus), each lane's figures under it. A named lane is asked for by its
/// broker queue (<c>reports-high</c>); the base lane is the total less the named lanes, since asking for the queue's own
/// name counts every lane.
/// </summary>
public sealed class QueueDepthReader(IQueueStatisticsSource statistics, TaskRouter router, QueueLanes lanes, bool brokerHasLanes)
{
    /// <summary>True when lanes are queues of their own on this broker and some queue has one.</summary>
    public bool HasLanes { get; } = brokerHasLanes && lanes.Any;

    /// <summary>The lane a broker queue name is (<c>reports-high</c>), or null when lanes are not used here or it names none.</summary>
    public QueueLane? LaneOf(string brokerQueue) => HasLanes ? lanes.LaneOf(brokerQueue) : null;

    /// <summary>The lanes of <paramref name="queue"/>, highest first, ending with the base lane; empty when lanes are not used here.</summary>
    public IReadOnlyList<QueueLane> LanesOf(string queue) =>
        HasLanes && lanes.LanesOf(queue) is { Count: > 1 } of ? of : [];

    /// <summary>Every routed queue's totals and lanes, in the router's order.</summary>
    public async Task<IReadOnlyList<QueueDepth>> GetAsync(CancellationToken cancellationToken)
    {
        var queues = router.Queues;
        var named = queues.SelectMany(LanesOf).Where(l => l.Name is not null).ToArray();
        var stats = await statistics.GetStatisticsAsync([.. queues, .. named.Select(l => l.Queue)], cancellationToken).ConfigureAwait(false);
        var totals = stats.Take(queues.Count).ToArray();
        var byLane = named.Zip(stats.Skip(queues.Count)).ToDictionary(p => p.First.Queue, p => p.Second, StringComparer.Ordinal);
        return totals.Select(total => new QueueDepth(total, Lanes(total, byLane))).ToArray();
    }

    private LaneDepth[] Lanes(QueueStatistics total, Dictionary<string, QueueStatistics> byLane)
    {
        var of = LanesOf(total.Queue);
        if (of.Count == 0)
        {
            return [];
        }
        var named = of.Where(l => l.Name is not null).Select(l => (Lane: l, Stats: byLane[l.Queue])).ToArray();
        return
        [
            .. named.Select(n => new LaneDepth(n.Lane.Queue, n.Lane.Name!, n.Lane.MinPriority, n.Lane.MaxPriority, n.Stats.Waiting, n.Stats.Scheduled, n.Stats.InFlight, n.Stats.DeadLettered)),
            .. of.Where(l => l.Name is null).Select(b => new LaneDepth(b.Queue, QueueLanes.Base, b.MinPriority, b.MaxPriority,
                // The lanes are read one by one, so a total can trail its lanes by a message: never below zero.
                Math.Max(0, total.Waiting - named.Sum(n => n.Stats.Waiting)),
                Math.Max(0, total.Scheduled - named.Sum(n => n.Stats.Scheduled)),
                Math.Max(0, total.InFlight - named.Sum(n => n.Stats.InFlight)),
                Math.Max(0, total.DeadLettered - named.Sum(n => n.Stats.DeadLettered)))),
        ];
    }
}
