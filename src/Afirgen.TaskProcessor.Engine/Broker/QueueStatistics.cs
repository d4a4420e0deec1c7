namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>What a queue holds right now.</summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Waiting">Messages ready to be received.</param>
/// <param name="Scheduled">Messages held until a later time (ETA, retry back-off).</param>
/// <param name="InFlight">Messages locked by a receiver and not yet settled.</param>
/// <param name="DeadLettered">Messages in the queue's dead-letter queue.</param>
public sealed record QueueStatistics(string Queue, long Waiting, long Scheduled, long InFlight, long DeadLettered);

/// <summary>Reads queue depths from the broker.</summary>
public interface IQueueStatisticsSource
{
    /// <summary>Statistics for each of <paramref name="queues"/>, in that order.</summary>
    Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken);
}
