namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// A message a broker has handed to this worker under a peek-lock. The broker's own types stay in
/// its adapter; this is all the engine needs to know about a delivery.
/// </summary>
/// <param name="Queue">The queue it was received from.</param>
/// <param name="MessageId">The broker's message id (for our producers: the task id, or a derived id for retries).</param>
/// <param name="Body">The raw body: kombu's JSON envelope around a Celery protocol v2 message.</param>
/// <param name="DeliveryCount">How many times the broker has delivered it, this delivery included (1 on first delivery).</param>
/// <param name="EnqueuedAt">When the broker accepted it (for scheduled messages: when it became due).</param>
/// <param name="LockedUntil">When this delivery's lock expires unless renewed.</param>
public sealed record ReceivedMessage(
    string Queue,
    string MessageId,
    ReadOnlyMemory<byte> Body,
    int DeliveryCount,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset LockedUntil);
