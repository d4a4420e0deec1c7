namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// The lock on a received message expired (or the message was already settled) before it could be
/// settled. The broker redelivers it; the runner's terminal-result check keeps the redelivery from
/// running the task again.
/// </summary>
public sealed class MessageLockLostException(string queue, string messageId)
    : Exception($"The lock on message '{messageId}' in queue '{queue}' was lost before it was settled; the broker will redeliver it.")
{
    public string Queue { get; } = queue;
    public string MessageId { get; } = messageId;
}
