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
        _database = redisOptions.Value.Database;
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
            await _writes.StoreAsync(Key(meta.TaskId), CeleryResultSerializer.Serialize(meta)).ConfigureAwait(false);
            return true;
        }, meta.TaskId);

    public Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken) =>
        Run(() => _redis.GetDatabase(_database).StringSetAsync(Key(pending.TaskId), CeleryResultSerializer.Serialize(pending), TimeSpan.FromSeconds(_expirySeconds), When.NotExists), pending.TaskId);

    public async Task<TaskResultMeta?> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken)
    {
        RedisValue startedJson = started is null ? RedisValue.EmptyString : CeleryResultSerializer.Serialize(started);
        var found = await Run(() => _writes.BeginAsync(Key(taskId), startedJson), taskId).ConfigureAwait(false);
        return found.IsNull ? null : CeleryResultSerializer.Deserialize((byte[])found!);
    }

    /// <summary>True when result writes go one key per call (configured, or a clustered server refused batches).</summary>
    public bool WritesOneKeyPerCall => _writes.OneKeyPerCall;

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private RedisKey Key(string taskId) => _prefix + CeleryResultSerializer.KeyFor(taskId);

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
