namespace Afirgen.TaskProcessor.RedisBroker.Broadcast;

/// <summary>
/// This worker's logical clock, as Celery keeps one per app (kombu's <c>LamportClock</c>): forwarded on every event
/// and reply it sends, adjusted past the clock of every control message it receives. Events and replies carry it so
/// that monitors can order what several workers say.
/// </summary>
internal sealed class LamportClock
{
    private long _value;

    /// <summary>The clock now.</summary>
    public long Value => Interlocked.Read(ref _value);

    /// <summary>Moves the clock on by one and returns it (something is being sent).</summary>
    public long Forward() => Interlocked.Increment(ref _value);

    /// <summary>Moves the clock past <paramref name="other"/> (something was received): max(own, other) + 1.</summary>
    public long Adjust(long other)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _value);
            var next = Math.Max(current, other) + 1;
            if (Interlocked.CompareExchange(ref _value, next, current) == current)
            {
                return next;
            }
        }
    }
}
