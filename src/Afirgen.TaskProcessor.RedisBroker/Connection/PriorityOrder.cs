namespace Afirgen.TaskProcessor.RedisBroker.Connection;

/// <summary>The order in which a worker serves a queue's priority lists.</summary>
public enum PriorityOrder
{
    /// <summary>The seed's scale: priority 10 first, across the whole backlog.</summary>
    HighestFirst,

    /// <summary>
    /// What Celery's own workers do on Redis (kombu serves the lowest step first, so priority 10 waits behind
    /// priority 1). For a fleet that still mixes in Celery workers and wants one order on both sides.
    /// </summary>
    KombuLowestFirst,
}
