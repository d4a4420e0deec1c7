using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Results in Redis, in Celery's result-backend format: <c>SETEX celery-task-meta-&lt;id&gt;</c> and a
/// <c>PUBLISH</c> on the same name, which Celery's <c>AsyncResult.get()</c> waits on.
/// </summary>
public sealed class RedisResultStore(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<ResultOptions> resultOptions) : IResultStore
{
    // Store-then-announce in one round trip, as Celery's pipeline does.
    private const string StoreScript = """
        redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
        redis.call('PUBLISH', KEYS[1], ARGV[1])
        return 1
        """;

    // The runner's first step: a terminal result wins; otherwise record STARTED (when given).
    private const string BeginScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local status = string.match(current, '"status"%s*:%s*"(%u+)"')
          if status == 'SUCCESS' or status == 'FAILURE' or status == 'REVOKED' then
            return current
          end
        end
        if ARGV[1] ~= '' then
          redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
          redis.call('PUBLISH', KEYS[1], ARGV[1])
        end
        return false
        """;

    private readonly string _prefix = redisOptions.Value.KeyPrefix;
    private readonly int _database = redisOptions.Value.Database;
    private readonly long _expirySeconds = Math.Max(1, (long)resultOptions.Value.Expires.TotalSeconds);

    public async Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var value = await Run(db => db.StringGetAsync(Key(taskId)), taskId).ConfigureAwait(false);
        return value.IsNull ? null : CeleryResultSerializer.Deserialize((byte[])value!);
    }

    public Task StoreAsync(TaskResultMeta meta, CancellationToken cancellationToken)
    {
        var json = CeleryResultSerializer.Serialize(meta);
        return Run(db => db.ScriptEvaluateAsync(StoreScript, [Key(meta.TaskId)], [json, _expirySeconds]), meta.TaskId);
    }

    public Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken) =>
        Run(db => db.StringSetAsync(Key(pending.TaskId), CeleryResultSerializer.Serialize(pending), TimeSpan.FromSeconds(_expirySeconds), When.NotExists), pending.TaskId);

    public async Task<TaskResultMeta?> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken)
    {
        RedisValue startedJson = started is null ? RedisValue.EmptyString : CeleryResultSerializer.Serialize(started);
        var result = await Run(db => db.ScriptEvaluateAsync(BeginScript, [Key(taskId)], [startedJson, _expirySeconds]), taskId).ConfigureAwait(false);
        return result.IsNull ? null : CeleryResultSerializer.Deserialize((byte[])result!);
    }

    private RedisKey Key(string taskId) => _prefix + CeleryResultSerializer.KeyFor(taskId);

    private async Task<T> Run<T>(Func<IDatabase, Task<T>> command, string taskId)
    {
        try
        {
            return await command(redis.GetDatabase(_database)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new ResultStoreUnavailableException(
                $"The result store (Redis) could not be reached while handling task {taskId}: {ex.Message}", ex);
        }
    }
}
