namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// The message ids a queue accepted within the duplicate-detection window (Service Bus:
/// DuplicateDetectionHistoryTimeWindow). Not thread-safe: its queue calls it under its lock.
/// </summary>
/// <remarks>
/// Memory grows with the ids sent within one window: at 30,000 messages/s a ten-minute window remembers
/// 18 million ids, so a benchmark should configure a shorter window. A window of zero turns detection off.
/// </remarks>
internal sealed class DuplicateDetectionHistory(TimeSpan window)
{
    // Each id in _seen has exactly one entry in _order: an id is added only while absent, and both
    // forget it together once its window has passed.
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string MessageId, DateTimeOffset SentAt)> _order = new();

    /// <summary>
    /// Records <paramref name="messageId"/> as sent at <paramref name="now"/>, or returns <see langword="false"/>
    /// when it was already sent within the window (the caller drops the message).
    /// </summary>
    public bool TryRecord(string messageId, DateTimeOffset now)
    {
        if (window <= TimeSpan.Zero)
        {
            return true;
        }

        var forgetUpTo = now - window;
        while (_order.TryPeek(out var oldest) && oldest.SentAt <= forgetUpTo)
        {
            _order.Dequeue();
            _seen.Remove(oldest.MessageId);
        }

        if (!_seen.TryAdd(messageId, now))
        {
            return false;
        }

        _order.Enqueue((messageId, now));
        return true;
    }
}
