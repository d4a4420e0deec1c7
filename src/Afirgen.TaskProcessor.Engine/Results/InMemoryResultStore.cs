using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Results kept in this process's memory, for running with no Redis at all. They vanish with the
/// process and no other process (or Celery client) can read them: development only.
/// </summary>
public sealed class InMemoryResultStore(IOptions<ResultOptions> options, TimeProvider timeProvider) : IResultStore
{
    private readonly ConcurrentDictionary<string, (byte[] Json, DateTimeOffset ExpiresAt)> _results = new(StringComparer.Ordinal);
    private readonly TimeSpan _expires = options.Value.Expires;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    // Chords' joins (no expiry: a process that holds results in memory is short-lived).
    private readonly ConcurrentDictionary<string, InMemoryChord> _chords = new(StringComparer.Ordinal);
    private readonly object _beginLock = new();
    private long _writes;

    public Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken cancellationToken) =>
        Task.FromResult(Read(taskId));

    public Task StoreAsync(TaskResultMeta meta, CancellationToken cancellationToken)
    {
        Write(meta);
        return Task.CompletedTask;
    }

    public Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken)
    {
        lock (_beginLock)
        {
            if (Read(pending.TaskId) is not null)
            {
                return Task.FromResult(false);
            }
            Write(pending);
            return Task.FromResult(true);
        }
    }

    public async Task<BeginResult> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken)
    {
        // Answered on the thread pool, as a networked store's reply is: the consumer starts a delivery on its receiving
        // thread, and the task's handler must not follow on there (see IResultStore.BeginAsync).
        await Task.Yield();
        lock (_beginLock)
        {
            var current = Read(taskId);
            if (current is not null && TaskStates.IsTerminal(current.Status))
            {
                return new BeginResult(current, false);
            }
            if (IsRevoked(taskId))
            {
                return new BeginResult(null, true);
            }
            if (started is not null)
            {
                Write(started);
            }
            return BeginResult.Go;
        }
    }

    public Task<bool> ReleaseStartedAsync(TaskResultMeta started, TaskResultMeta pending, CancellationToken cancellationToken)
    {
        lock (_beginLock)
        {
            if (!_results.TryGetValue(started.TaskId, out var entry) || !entry.Json.AsSpan().SequenceEqual(CeleryResultSerializer.Serialize(started)))
            {
                return Task.FromResult(false);
            }
            Write(pending);
            return Task.FromResult(true);
        }
    }

    public Task<string?> RevokeAsync(TaskResultMeta revoked, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        lock (_beginLock)
        {
            _revoked[revoked.TaskId] = timeProvider.GetUtcNow() + keepFor;
            var previous = Read(revoked.TaskId)?.Status;
            if (previous is null || !(previous == TaskStates.Started || TaskStates.IsTerminal(previous)))
            {
                Write(revoked);
            }
            return Task.FromResult(previous);
        }
    }

    public Task<bool> IsRevokedAsync(string taskId, CancellationToken cancellationToken) => Task.FromResult(IsRevoked(taskId));

    public Task SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken)
    {
        lock (_beginLock)
        {
            Chord(groupId).Size = size;
        }
        return Task.CompletedTask;
    }

    public Task<ChordJoinState> JoinChordPartAsync(string groupId, string taskId, int? groupIndex, string part, CancellationToken cancellationToken)
    {
        lock (_beginLock)
        {
            var chord = Chord(groupId);
            // Keyed by task: a redelivered header task counts once, as in the Redis store.
            chord.Parts.TryAdd(taskId, (groupIndex ?? int.MaxValue, part));
            if (chord.Size is not { } size || chord.Parts.Count != size)
            {
                return Task.FromResult(ChordJoinState.Waiting);
            }
            return Task.FromResult(new ChordJoinState(true, [.. chord.Parts.Values.OrderBy(p => p.Index).Select(p => p.Part)], false));
        }
    }

    public Task ForgetChordAsync(string groupId, CancellationToken cancellationToken)
    {
        _chords.TryRemove(groupId, out _);
        return Task.CompletedTask;
    }

    private InMemoryChord Chord(string groupId) => _chords.GetOrAdd(groupId, static _ => new InMemoryChord());

    private sealed class InMemoryChord
    {
        public int? Size { get; set; }
        public Dictionary<string, (int Index, string Part)> Parts { get; } = new(StringComparer.Ordinal);
    }

    private bool IsRevoked(string taskId) =>
        _revoked.TryGetValue(taskId, out var until) && until > timeProvider.GetUtcNow();

    private TaskResultMeta? Read(string taskId)
    {
        if (!_results.TryGetValue(taskId, out var entry))
        {
            return null;
        }
        if (entry.ExpiresAt <= timeProvider.GetUtcNow())
        {
            _results.TryRemove(KeyValuePair.Create(taskId, entry));
            return null;
        }
        return CeleryResultSerializer.Deserialize(entry.Json);
    }

    private void Write(TaskResultMeta meta)
    {
        // Store the serialized form so readers get copies, exactly as from Redis.
        _results[meta.TaskId] = (CeleryResultSerializer.Serialize(meta), timeProvider.GetUtcNow() + _expires);
        if (Interlocked.Increment(ref _writes) % 10_000 == 0)
        {
            Sweep();
        }
    }

    private void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (id, entry) in _results)
        {
            if (entry.ExpiresAt <= now)
            {
                _results.TryRemove(KeyValuePair.Create(id, entry));
            }
        }
    }
}
