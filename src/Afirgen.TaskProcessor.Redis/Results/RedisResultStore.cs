using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Results;

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
    // The result key's fixed part as bytes: a key is this and the task id, written out by the client, so the two hot
    // paths (every task begins and stores) make no string of the whole key.
    private readonly RedisKey _resultKeyPrefix;
    // The revocation key's text before the task id, made once (see RevokedKey).
    private readonly string _revokedKeyHead;

    public RedisResultStore(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<ResultOptions> resultOptions, ILogger<RedisResultStore>? logger = null)
    {
        _redis = redis;
        _prefix = redisOptions.Value.KeyPrefix;
        _database = redisOptions.Value.ResolvedDatabase;
        _expirySeconds = Math.Max(1, (long)resultOptions.Value.Expires.TotalSeconds);
        _resultKeyPrefix = System.Text.Encoding.UTF8.GetBytes(_prefix + CeleryResultSerializer.KeyPrefix);
        _revokedKeyHead = _prefix + "afirgen-revoked:{" + _prefix + CeleryResultSerializer.KeyPrefix;
        _writes = new RedisWriteBatcher(redis, _database, _expirySeconds, !redisOptions.Value.GroupCommit,
            ex => ResultsLog.GroupCommitOff(logger ?? (ILogger)NullLogger.Instance, ex));
    }

    public async Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var value = await RunAsync(() => _redis.GetDatabase(_database).StringGetAsync(Key(taskId)), taskId).ConfigureAwait(false);
        return value.IsNull ? null : CeleryResultSerializer.Deserialize((byte[])value!);
    }

    // The two hot paths (every task begins and stores) without RunAsync's closure.
    public async Task StoreAsync(TaskResultMeta meta, CancellationToken cancellationToken)
    {
        try
        {
            await _writes.StoreAsync(Key(meta.TaskId), RevokedKey(meta.TaskId), CeleryResultSerializer.Serialize(meta)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(meta.TaskId, ex);
        }
    }

    public Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken) =>
        RunAsync(() => _redis.GetDatabase(_database).StringSetAsync(Key(pending.TaskId), CeleryResultSerializer.Serialize(pending), TimeSpan.FromSeconds(_expirySeconds), When.NotExists), pending.TaskId);

    public async Task<BeginResult> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken)
    {
        RedisValue startedJson = started is null ? RedisValue.EmptyString : CeleryResultSerializer.Serialize(started);
        RedisValue found;
        try
        {
            found = await _writes.BeginAsync(Key(taskId), RevokedKey(taskId), startedJson).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(taskId, ex);
        }
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
        RunAsync(async () => (long)await _redis.GetDatabase(_database).ScriptEvaluateAsync(ReleaseScript, [Key(started.TaskId)],
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
        RunAsync(async () =>
        {
            var record = $$"""{"task_id":"{{revoked.TaskId}}","revoked_at":"{{revoked.DateDone ?? DateTimeOffset.UtcNow:O}}"}""";
            var previous = await _redis.GetDatabase(_database).ScriptEvaluateAsync(RevokeScript,
                [Key(revoked.TaskId), RevokedKey(revoked.TaskId)],
                [CeleryResultSerializer.Serialize(revoked), _expirySeconds, Math.Max(1, (long)keepFor.TotalSeconds), record]).ConfigureAwait(false);
            var status = (string?)previous;
            return string.IsNullOrEmpty(status) ? null : status;
        }, revoked.TaskId);

    public Task<bool> IsRevokedAsync(string taskId, CancellationToken cancellationToken) =>
        RunAsync(() => _redis.GetDatabase(_database).KeyExistsAsync(RevokedKey(taskId)), taskId);

    // Celery 5.2's Redis backend (on_chord_part_return), in one script rather than its MULTI pipeline and the reads after
    // it, so exactly one caller sees the join complete and gets its parts. KEYS: 1 <group>.j (sorted set of parts, scored
    // by group_index), 2 <group>.t (extra parts added by add_to_chord), 3 <group>.s (the chord's size), 4 the group's saved
    // GroupResult (only a header with groups of its own is saved). ARGV: 1 the part, 2 its score, 3 expiry (s), 4 the
    // task id as JSON (a part of this task already at this score is kept: a redelivered header task counts once).
    // Returns {0} while parts are missing, {1, parts} when complete, {2} when complete and the header is a saved group.
    private const string JoinChordScript = """
        local have = false
        for _, part in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])) do
          if string.find(part, ARGV[4], 1, true) then have = true end
        end
        if not have then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
        local ready = redis.call('ZCARD', KEYS[1])
        local extra = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
        local size = redis.call('GET', KEYS[3])
        redis.call('EXPIRE', KEYS[1], ARGV[3])
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        redis.call('EXPIRE', KEYS[3], ARGV[3])
        if not size or ready ~= tonumber(size) + extra then return {0} end
        if redis.call('EXISTS', KEYS[4]) == 1 then return {2} end
        return {1, redis.call('ZRANGE', KEYS[1], 0, -1)}
        """;

    public Task SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            // Celery's backend.set(): SETEX and a PUBLISH on the key's name.
            var key = GroupKey(groupId, ".s");
            var batch = _redis.GetDatabase(_database).CreateBatch();
            var set = batch.StringSetAsync(key, size, TimeSpan.FromSeconds(_expirySeconds));
            var publish = batch.PublishAsync(RedisChannel.Literal((string)key!), size);
            batch.Execute();
            await Task.WhenAll(set, publish).ConfigureAwait(false);
            return true;
        }, groupId);

    public Task<ChordJoinState> JoinChordPartAsync(string groupId, string taskId, int? groupIndex, string part, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var score = groupIndex is { } index ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : "+inf";
            RedisResult[] reply;
            try
            {
                reply = (RedisResult[])(await _redis.GetDatabase(_database).ScriptEvaluateAsync(JoinChordScript,
                    [GroupKey(groupId, ".j"), GroupKey(groupId, ".t"), GroupKey(groupId, ".s"), GroupKey(groupId, "")],
                    [part, score, _expirySeconds, System.Text.Json.JsonSerializer.Serialize(taskId)]).ConfigureAwait(false))!;
            }
            catch (RedisServerException ex) when (ex.Message.Contains("CROSSSLOT", StringComparison.OrdinalIgnoreCase))
            {
                // Celery's own join (a MULTI over the same keys) fails the same way there.
                throw new NotSupportedException(
                    $"Chord {groupId} cannot be joined on a clustered Redis: Celery's chord keys lie in several hash slots. Keep results on a standalone Redis to use chords.", ex);
            }
            return (int)reply[0] switch
            {
                1 => new ChordJoinState(true, [.. ((RedisResult[])reply[1]!).Select(p => (string)p!)], false),
                2 => new ChordJoinState(true, [], true),
                _ => ChordJoinState.Waiting,
            };
        }, taskId);

    public Task ForgetChordAsync(string groupId, CancellationToken cancellationToken) =>
        RunAsync(() => _redis.GetDatabase(_database).KeyDeleteAsync([GroupKey(groupId, ".j"), GroupKey(groupId, ".t"), GroupKey(groupId, ".s")]), groupId);

    /// <summary>True when result writes go one key per call (configured, or a clustered server refused batches).</summary>
    public bool WritesOneKeyPerCall => _writes.OneKeyPerCall;

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private RedisKey Key(string taskId) => new RedisKey(taskId).Prepend(_resultKeyPrefix);

    // Celery's get_key_for_group: celery-taskset-meta-<group id><suffix>.
    private RedisKey GroupKey(string groupId, string suffix) => _prefix + "celery-taskset-meta-" + groupId + suffix;

    /// <summary>
    /// Where a revocation is remembered. The hash tag is the whole result key, so on a clustered Redis
    /// both keys live in one hash slot (the result key has no braces, so its slot is that of its whole
    /// name) and one script can read both.
    /// </summary>
    private RedisKey RevokedKey(string taskId) => string.Concat(_revokedKeyHead, taskId, "}");

    private static async Task<T> RunAsync<T>(Func<Task<T>> command, string taskId)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(taskId, ex);
        }
    }

    private static ResultStoreUnavailableException Unavailable(string taskId, Exception ex) =>
        new($"The result store (Redis) could not be reached while handling task {taskId} ({RedisFailures.Describe(ex)}).", ex);
}
