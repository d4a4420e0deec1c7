using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Results in Redis, in Celery's result-backend format: <c>SETEX celery-task-meta-&lt;id&gt;</c> and a
/// <c>PUBLISH</c> on the same name, which Celery's <c>AsyncResult.get()</c> waits on. Writes from
/// concurrent tasks are group-committed (<see cref="RedisWriteBatcher"/>).
/// </summary>
public sealed class RedisResultStore : IResultStore, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly int _database;
    private readonly long _expirySeconds;
    private readonly RedisWriteBatcher _writes;

    public RedisResultStore(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<ResultOptions> resultOptions, ILogger<RedisResultStore>? logger = null)
    {
        _redis = redis;
        _prefix = redisOptions.Value.KeyPrefix;
        _database = redisOptions.Value.ResolvedDatabase;
        _expirySeconds = Math.Max(1, (long)resultOptions.Value.Expires.TotalSeconds);
        _writes = new RedisWriteBatcher(redis, _database, _expirySeconds, !redisOptions.Value.GroupCommit,
            ex => ResultsLog.GroupCommitOff(logger ?? (ILogger)NullLogger.Instance, ex));
    }

    public async Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var value = await Run(() => _redis.GetDatabase(_database).StringGetAsync(Key(taskId)), taskId).ConfigureAwait(false);
        return value.IsNull ? null : CeleryResultSerializer.Deserialize((byte[])value!);
    }

    public Task StoreAsync(TaskResultMeta meta, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            await _writes.StoreAsync(Key(meta.TaskId), RevokedKey(meta.TaskId), CeleryResultSerializer.Serialize(meta)).ConfigureAwait(false);
            return true;
        }, meta.TaskId);

    public Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken) =>
        Run(() => _redis.GetDatabase(_database).StringSetAsync(Key(pending.TaskId), CeleryResultSerializer.Serialize(pending), TimeSpan.FromSeconds(_expirySeconds), When.NotExists), pending.TaskId);

    public async Task<BeginResult> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken)
    {
        RedisValue startedJson = started is null ? RedisValue.EmptyString : CeleryResultSerializer.Serialize(started);
        var found = await Run(() => _writes.BeginAsync(Key(taskId), RevokedKey(taskId), startedJson), taskId).ConfigureAwait(false);
        if (found.IsNull)
        {
            return BeginResult.Go;
        }
        return found == RedisWriteBatcher.RevokedMarker
            ? new BeginResult(null, true)
            : new BeginResult(CeleryResultSerializer.Deserialize((byte[])found!), false);
    }

    // KEYS[1] result key. ARGV[1] the STARTED JSON the run stored, ARGV[2] the PENDING JSON, ARGV[3] its expiry.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SETEX', KEYS[1], ARGV[3], ARGV[2])
          redis.call('PUBLISH', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    public Task<bool> ReleaseStartedAsync(TaskResultMeta started, TaskResultMeta pending, CancellationToken cancellationToken) =>
        Run(async () => (long)await _redis.GetDatabase(_database).ScriptEvaluateAsync(ReleaseScript, [Key(started.TaskId)],
            [CeleryResultSerializer.Serialize(started), CeleryResultSerializer.Serialize(pending), _expirySeconds]).ConfigureAwait(false) == 1, started.TaskId);

    // KEYS[1] result key, KEYS[2] revoked key (same hash slot). ARGV[1] REVOKED result JSON, ARGV[2] its
    // expiry, ARGV[3] how long the revocation is kept, ARGV[4] the revocation record.
    private const string RevokeScript = """
        redis.call('SETEX', KEYS[2], ARGV[3], ARGV[4])
        local current = redis.call('GET', KEYS[1])
        local status = ''
        if current then
          status = string.match(current, '"status"%s*:%s*"(%u+)"') or ''
        end
        if status ~= 'STARTED' and status ~= 'SUCCESS' and status ~= 'FAILURE' and status ~= 'REVOKED' then
          redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
          redis.call('PUBLISH', KEYS[1], ARGV[1])
        end
        return status
        """;

    public Task<string?> RevokeAsync(TaskResultMeta revoked, TimeSpan keepFor, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            var record = $$"""{"task_id":"{{revoked.TaskId}}","revoked_at":"{{revoked.DateDone ?? DateTimeOffset.UtcNow:O}}"}""";
            var previous = await _redis.GetDatabase(_database).ScriptEvaluateAsync(RevokeScript,
                [Key(revoked.TaskId), RevokedKey(revoked.TaskId)],
                [CeleryResultSerializer.Serialize(revoked), _expirySeconds, Math.Max(1, (long)keepFor.TotalSeconds), record]).ConfigureAwait(false);
            var status = (string?)previous;
            return string.IsNullOrEmpty(status) ? null : status;
        }, revoked.TaskId);

    public Task<bool> IsRevokedAsync(string taskId, CancellationToken cancellationToken) =>
        Run(() => _redis.GetDatabase(_database).KeyExistsAsync(RevokedKey(taskId)), taskId);

    /// <summary>True when result writes go one key per call (configured, or a clustered server refused batches).</summary>
    public bool WritesOneKeyPerCall => _writes.OneKeyPerCall;

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private RedisKey Key(string taskId) => _prefix + CeleryResultSerializer.KeyFor(taskId);

    /// <summary>
    /// Where a revocation is remembered. The hash tag is the whole result key, so on a clustered Redis
    /// both keys live in one hash slot (the result key has no braces, so its slot is that of its whole
    /// name) and one script can read both.
    /// </summary>
    private RedisKey RevokedKey(string taskId) => $"{_prefix}afirgen-revoked:{{{_prefix}{CeleryResultSerializer.KeyFor(taskId)}}}";

    private static async Task<T> Run<T>(Func<Task<T>> command, string taskId)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new ResultStoreUnavailableException(
                $"The result store (Redis) could not be reached while handling task {taskId}: {ex.Message}", ex);
        }
    }
}
