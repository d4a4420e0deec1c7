namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>Puts messages on queues: now, or held by the broker until a time (ETA, retry back-off).</summary>
public interface IMessageSender
{
    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="queue"/>. With <paramref name="notBefore"/> in the
    /// future the broker holds it (Service Bus: a scheduled message) and delivers it from then on; the
    /// worker never holds it in memory.
    /// </summary>
    Task SendAsync(string queue, OutgoingMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken);
}
