using System.Collections.Concurrent;

namespace Afirgen.TaskProcessor.Engine.Control;

/// <summary>
/// Time limits per task name set on this instance at run time (Celery's remote control <c>time_limit</c>). They win
/// over the task's registered limits and the defaults; a message's own <c>timelimit</c> header still wins over them.
/// Kept in memory, as a Celery worker keeps them.
/// </summary>
public sealed class TaskTimeLimits
{
    private readonly ConcurrentDictionary<string, (TimeSpan? Soft, TimeSpan? Hard)> _limits = new(StringComparer.Ordinal);

    /// <summary>Whether any task name has limits set here (the runner's quick check).</summary>
    public bool Any => !_limits.IsEmpty;

    /// <summary>Sets <paramref name="taskName"/>'s limits; null leaves that one to the task's own or the default.</summary>
    public void Set(string taskName, TimeSpan? soft, TimeSpan? hard)
    {
        if (soft is null && hard is null)
        {
            _limits.TryRemove(taskName, out _);
            return;
        }
        _limits[taskName] = (soft, hard);
    }

    /// <summary>The limits set for <paramref name="taskName"/> (nulls when none).</summary>
    public (TimeSpan? Soft, TimeSpan? Hard) Get(string taskName) => _limits.TryGetValue(taskName, out var limits) ? limits : default;
}
