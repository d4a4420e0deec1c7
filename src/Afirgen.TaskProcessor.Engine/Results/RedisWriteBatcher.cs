using System.Threading.Channels;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Group commit for result writes. Concurrent tasks' STARTED-unless-finished and store operations are
/// collected and sent as one script call per batch: under load one round trip and one script run serve
/// many tasks (the profile showed per-command client and server work as the largest cost of a quick
/// task); alone, an operation still goes out at once as a batch of one.
/// </summary>
internal sealed class RedisWriteBatcher : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxBatchesInFlight = 2;

    // ARGV[1] is the expiry; then per key i: ARGV[2i] the kind ('B' begin, 'S' store), ARGV[2i+1] the JSON.
    // Returns, per key, the terminal result found by a begin (or '' for none / for a store).
    private const string Script = """
        local ttl = ARGV[1]
        local results = {}
        for i = 1, #KEYS do
          local kind = ARGV[2 * i]
          local json = ARGV[2 * i + 1]
          local found = ''
          if kind == 'B' then
            local current = redis.call('GET', KEYS[i])
            if current then
              local status = string.match(current, '"status"%s*:%s*"(%u+)"')
              if status == 'SUCCESS' or status == 'FAILURE' or status == 'REVOKED' then
                found = current
              end
            end
          end
          if found == '' and json ~= '' then
            redis.call('SETEX', KEYS[i], ttl, json)
            redis.call('PUBLISH', KEYS[i], json)
          end
          results[i] = found
        end
        return results
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly int _database;
    private readonly long _expirySeconds;
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _inFlight = new(MaxBatchesInFlight, MaxBatchesInFlight);
    private readonly Task _pump;

    public RedisWriteBatcher(IConnectionMultiplexer redis, int database, long expirySeconds)
    {
        _redis = redis;
        _database = database;
        _expirySeconds = expirySeconds;
        _pump = PumpAsync();
    }

    /// <summary>Stores <paramref name="json"/> at <paramref name="key"/> unless a terminal result is there; returns that result, or null.</summary>
    public Task<RedisValue> BeginAsync(RedisKey key, RedisValue json) => Enqueue(new Operation(key, "B", json));

    /// <summary>Stores <paramref name="json"/> at <paramref name="key"/> and publishes it.</summary>
    public Task StoreAsync(RedisKey key, RedisValue json) => Enqueue(new Operation(key, "S", json));

    private Task<RedisValue> Enqueue(Operation operation)
    {
        if (!_operations.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(RedisWriteBatcher));
        }
        return operation.Task;
    }

    private async Task PumpAsync()
    {
        // Yield first so the constructor returns, then serve until disposal completes the channel.
        await Task.Yield();
        var reader = _operations.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
            var batch = new List<Operation>();
            while (batch.Count < MaxBatch && reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }
            // Owned: at most MaxBatchesInFlight at once, awaited through _inFlight on dispose.
            _ = SendAsync(batch);
        }
    }

    private async Task SendAsync(List<Operation> batch)
    {
        try
        {
            var keys = new RedisKey[batch.Count];
            var values = new RedisValue[1 + 2 * batch.Count];
            values[0] = _expirySeconds;
            for (var i = 0; i < batch.Count; i++)
            {
                keys[i] = batch[i].Key;
                values[1 + 2 * i] = batch[i].Kind;
                values[2 + 2 * i] = batch[i].Json;
            }
            var reply = await _redis.GetDatabase(_database).ScriptEvaluateAsync(Script, keys, values).ConfigureAwait(false);
            var found = (RedisValue[])reply!;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(found[i].IsNullOrEmpty ? RedisValue.Null : found[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (var operation in batch)
            {
                operation.TrySetException(ex);
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _operations.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
        for (var i = 0; i < MaxBatchesInFlight; i++)
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
        }
        _inFlight.Dispose();
    }

    private sealed class Operation(RedisKey key, string kind, RedisValue json) : TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public RedisKey Key { get; } = key;
        public string Kind { get; } = kind;
        public RedisValue Json { get; } = json;
    }
}
