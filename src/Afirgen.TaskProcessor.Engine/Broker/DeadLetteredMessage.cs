namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>A message in a queue's dead-letter queue, as monitoring shows it.</summary>
/// <param name="Queue">The queue whose dead-letter queue holds it.</param>
/// <param name="SequenceNumber">The broker's number for it, unique within the queue (a replayed message gets a new one).</param>
/// <param name="MessageId">The broker message id it was sent with.</param>
/// <param name="TaskId">The Celery task id it was sent with.</param>
/// <param name="TaskName">The Celery task name it was sent with.</param>
/// <param name="Priority">The priority it was sent with.</param>
/// <param name="Body">The body as sent (not copied).</param>
/// <param name="Reason">Why it was dead-lettered: one of <see cref="DeadLetterReasons"/>.</param>
/// <param name="Description">Details that go with <paramref name="Reason"/>.</param>
/// <param name="DeliveryCount">How many times it had been delivered when it was dead-lettered.</param>
/// <param name="EnqueuedAt">When the broker accepted it (for scheduled messages: when it became due).</param>
/// <param name="DeadLetteredAt">When it was moved to the dead-letter queue.</param>
public sealed record DeadLetteredMessage(
    string Queue,
    long SequenceNumber,
    string MessageId,
    string TaskId,
    string TaskName,
    int Priority,
    ReadOnlyMemory<byte> Body,
    string Reason,
    string Description,
    int DeliveryCount,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset DeadLetteredAt);
