namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Browses, replays and purges a broker's dead-letter queues. Implemented by every broker adapter
/// (the embedded broker, Service Bus's dead-letter sub-queue, the Redis transport's dead-letter list), so
/// monitoring, the HTTP API and the CLI are written once against it.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>The messages in <paramref name="queue"/>'s dead-letter queue, oldest first, at most <paramref name="maxMessages"/>.</summary>
    Task<IReadOnlyList<DeadLetteredMessage>> GetDeadLettersAsync(string queue, int maxMessages, CancellationToken cancellationToken);

    /// <summary>
    /// Moves dead-lettered messages back to <paramref name="queue"/> as fresh messages: same message id,
    /// task id and body, delivery count starting again, ready at once and not dropped by duplicate detection.
    /// </summary>
    /// <param name="queue">The queue whose dead letters to replay.</param>
    /// <param name="messageIds">The message ids to replay; <see langword="null"/> replays them all.</param>
    /// <param name="cancellationToken">Stops a long replay between messages; those already moved stay moved.</param>
    /// <returns>How many messages were replayed.</returns>
    Task<int> ReplayDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken);

    /// <summary>Deletes dead-lettered messages from <paramref name="queue"/>'s dead-letter queue.</summary>
    /// <param name="queue">The queue whose dead letters to delete.</param>
    /// <param name="messageIds">The message ids to delete; <see langword="null"/> deletes them all.</param>
    /// <param name="cancellationToken">Stops a long purge between messages.</param>
    /// <returns>How many messages were deleted.</returns>
    Task<int> PurgeDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken);
}
