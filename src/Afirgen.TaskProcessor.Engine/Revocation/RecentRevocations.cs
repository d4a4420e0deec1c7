using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>
/// The task ids revoked through this instance (its API, the CLI, or Celery's remote control, which reaches every
/// worker) or heard of from another instance through the revocation broadcast, newest kept: what Celery's
/// <c>inspect revoked</c> lists and its <c>hello</c> hands a starting worker (Celery keeps them in each worker's memory,
/// a <c>LimitedSet</c> of at most 50,000). The revocations themselves live in the result store, where every instance
/// checks them; this is only the list to show.
/// </summary>
public sealed class RecentRevocations(TimeProvider time, IOptions<RevocationOptions> options)
{
    /// <summary>Celery's <c>REVOKES_MAX</c>.</summary>
    public const int MaxIds = 50_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _ids = new(StringComparer.Ordinal);

    /// <summary>Remembers that <paramref name="taskId"/> was revoked now.</summary>
    public void Add(string taskId)
    {
        _ids[taskId] = time.GetUtcNow();
        if (_ids.Count > MaxIds)
        {
            // Rare (a flood of revokes): drop the oldest tenth at once rather than one per add.
            foreach (var (id, _) in _ids.OrderBy(kv => kv.Value).Take(MaxIds / 10).ToArray())
            {
                _ids.TryRemove(id, out _);
            }
        }
    }

    /// <summary>The ids revoked within <see cref="RevocationOptions.Expires"/>, oldest first, with when.</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> Snapshot()
    {
        var oldest = time.GetUtcNow() - options.Value.Expires;
        foreach (var (id, at) in _ids)
        {
            if (at < oldest)
            {
                _ids.TryRemove(id, out _);
            }
        }
        return [.. _ids.OrderBy(kv => kv.Value)];
    }
}
