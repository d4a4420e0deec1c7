using System.Collections.Concurrent;

namespace Afirgen.TaskProcessor.Engine.Control;

/// <summary>
/// Rate limits per task name on this instance, as Celery's remote control <c>rate_limit</c> sets them on a worker:
/// a token bucket holding one token, refilled at the rate, so after a pause one task goes at once and the next ones
/// follow one interval apart (kombu's <c>TokenBucket(rate, capacity=1)</c>). A limited task waits here, holding its
/// message (renewed like every held message) but no slot; when the process dies, the message's lock ends unrenewed
/// and the broker delivers it again, so nothing waits only here. At a stop it is given back unstarted. The limits are
/// kept in memory: a restart clears them, as a Celery worker's restart does.
/// </summary>
public sealed class TaskRateLimits(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Whether any task name is limited (the runner's quick check).</summary>
    public bool Any => !_buckets.IsEmpty;

    /// <summary>The limits set, as they were written (<c>"10/m"</c>), by task name.</summary>
    public IReadOnlyDictionary<string, string> Limits => _buckets.ToDictionary(kv => kv.Key, kv => kv.Value.Rate, StringComparer.Ordinal);

    /// <summary>Sets the limit of <paramref name="taskName"/>; an empty or zero rate removes it.</summary>
    /// <returns>False when the rate means no limit (the limit was removed).</returns>
    /// <exception cref="FormatException">See <see cref="CeleryRate.PerSecond"/>.</exception>
    /// <exception cref="KeyNotFoundException">See <see cref="CeleryRate.PerSecond"/>.</exception>
    public bool Set(string taskName, string? rate)
    {
        var perSecond = CeleryRate.PerSecond(rate);
        if (perSecond <= 0)
        {
            _buckets.TryRemove(taskName, out _);
            return false;
        }
        // A new bucket starts full, as Celery's reset_rate_limits makes new ones.
        _buckets[taskName] = new Bucket(rate!.Trim(), TimeSpan.FromSeconds(1 / perSecond));
        return true;
    }

    /// <summary>
    /// Waits until <paramref name="taskName"/>'s bucket lets one more task through (at once when it is not limited).
    /// Cancelling gives up the wait (the reserved turn is not handed on).
    /// </summary>
    public ValueTask WaitAsync(string taskName, CancellationToken cancellationToken)
    {
        if (!_buckets.TryGetValue(taskName, out var bucket))
        {
            return ValueTask.CompletedTask;
        }
        var delay = bucket.Reserve(time.GetUtcNow());
        return delay <= TimeSpan.Zero ? ValueTask.CompletedTask : new ValueTask(Task.Delay(delay, time, cancellationToken));
    }

    private sealed class Bucket(string rate, TimeSpan interval)
    {
        private readonly object _lock = new();
        private DateTimeOffset _nextFree = DateTimeOffset.MinValue;

        public string Rate { get; } = rate;

        // The turn of the next task: now when the token is there (one banked at most), else when it comes.
        public TimeSpan Reserve(DateTimeOffset now)
        {
            lock (_lock)
            {
                var turn = _nextFree > now ? _nextFree : now;
                _nextFree = turn + interval;
                return turn - now;
            }
        }
    }
}
