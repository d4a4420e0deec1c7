using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Batching;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Results;

/// <summary>
/// Group commit for result writes. Concurrent tasks' STARTED-unless-finished and store operations are
/// collected and sent as one script call per batch: under load one round trip and one script run serve
/// many tasks (the profile showed per-command client and server work as the largest cost of a quick
/// task); alone, an operation still goes out at once as a batch of one.
/// </summary>
/// <remarks>
/// A clustered Redis (Azure Managed Redis shards; its Enterprise policy allows no script across hash
/// slots, and Celery's key names leave no room for hash tags) refuses a script over many keys. The first
/// such refusal switches this batcher to one key per call for good, and the refused batch is sent again
/// that way: nothing is lost, only the saving.
/// </remarks>
internal sealed class RedisWriteBatcher : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxBatchesInFlight = 2;

    /// <summary>What a begin returns when the task is revoked and has no terminal result.</summary>
    public const string RevokedMarker = "revoked";

    // Per operation i two keys: KEYS[2i-1] the result, KEYS[2i] its revocation (same hash slot).
    // ARGV[1] is the expiry; then per operation: ARGV[2i] the kind ('B' begin, 'S' store), ARGV[2i+1] the JSON.
    // Returns, per operation, the terminal result found by a begin, 'revoked', or '' (none / a store).
    internal const string Script = """
        local ttl = ARGV[1]
        local results = {}
        for i = 1, #KEYS / 2 do
          local key = KEYS[2 * i - 1]
          local kind = ARGV[2 * i]
          local json = ARGV[2 * i + 1]
          local found = ''
          if kind == 'B' then
            local current = redis.call('GET', key)
            if current then
              local status = string.match(current, '"status"%s*:%s*"(%u+)"')
              if status == 'SUCCESS' or status == 'FAILURE' or status == 'REVOKED' then
                found = current
              end
            end
            if found == '' and redis.call('EXISTS', KEYS[2 * i]) == 1 then
              found = 'revoked'
            end
          end
          if found == '' and json ~= '' then
            redis.call('SETEX', key, ttl, json)
            redis.call('PUBLISH', key, json)
          end
          results[i] = found
        end
        return results
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly int _database;
    private readonly long _expirySeconds;
    private readonly GroupCommit<Operation> _batches;
    private readonly Action<Exception>? _onCrossSlot;
    private volatile bool _oneKeyPerCall;

    /// <param name="redis">The shared multiplexer.</param>
    /// <param name="database">The results database.</param>
    /// <param name="expirySeconds">The results' time to live.</param>
    /// <param name="oneKeyPerCall">Start without batching (the <c>GroupCommit</c> setting off).</param>
    /// <param name="onCrossSlot">Told once when a clustered server made the batcher fall back to one key per call.</param>
    public RedisWriteBatcher(IConnectionMultiplexer redis, int database, long expirySeconds, bool oneKeyPerCall = false, Action<Exception>? onCrossSlot = null)
    {
        _redis = redis;
        _database = database;
        _expirySeconds = expirySeconds;
        _oneKeyPerCall = oneKeyPerCall;
        _onCrossSlot = onCrossSlot;
        _batches = new GroupCommit<Operation>(SendAsync, MaxBatch, MaxBatchesInFlight);
    }

    /// <summary>True once writes go one key per call (configured, or after a clustered server refused a batch).</summary>
    public bool OneKeyPerCall => _oneKeyPerCall;

    /// <summary>
    /// Stores <paramref name="json"/> at <paramref name="key"/> unless a terminal result is there or
    /// <paramref name="revokedKey"/> exists; returns that result, <see cref="RevokedMarker"/>, or null.
    /// </summary>
    /// <remarks>The caller's continuation runs on the thread pool: after a begin comes the task's handler.</remarks>
    public Task<RedisValue> BeginAsync(RedisKey key, RedisKey revokedKey, RedisValue json) =>
        EnqueueAsync(new Operation(key, revokedKey, "B", json));

    /// <summary>Stores <paramref name="json"/> at <paramref name="key"/> and publishes it.</summary>
    /// <remarks>
    /// The caller's continuation runs on the thread that completes the batch: after a store comes only engine work
    /// (observers, follow-up sends, the settle), which is short or awaits I/O at once, so the hand-off to the
    /// thread pool (one of about five per task) is saved. The batch's slot is freed first, so the next batch is
    /// not held up behind these continuations.
    /// </remarks>
    public Task StoreAsync(RedisKey key, RedisKey revokedKey, RedisValue json) =>
        EnqueueAsync(new Operation(key, revokedKey, "S", json));

    private Task<RedisValue> EnqueueAsync(Operation operation)
    {
        _batches.Add(operation);
        return operation.Task;
    }

    private async Task SendAsync(List<Operation> batch)
    {
        try
        {
            if (_oneKeyPerCall || batch.Count == 1)
            {
                await SendEachAsync(batch).ConfigureAwait(false);
                return;
            }
            try
            {
                await SendBatchAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsCrossSlot(ex))
            {
                if (!_oneKeyPerCall)
                {
                    _oneKeyPerCall = true;
                    _onCrossSlot?.Invoke(ex);
                }
                await SendEachAsync(batch).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            foreach (var operation in batch)
            {
                operation.Failure = ex;
            }
        }
        finally
        {
            Finish(batch);
        }
    }

    private static void Finish(List<Operation> batch)
    {
        if (batch.Count == 1)
        {
            // This runs on the thread pool (StackExchange.Redis completes its tasks there), so a lone operation's
            // caller goes on here, without another hand-off.
            batch[0].Finish();
            return;
        }
        foreach (var operation in batch)
        {
            if (operation.Kind == "B")
            {
                // A begin's caller runs its task next: each on a thread of its own, not one after another here.
                ThreadPool.UnsafeQueueUserWorkItem(static o => o.Finish(), operation, preferLocal: false);
            }
            else
            {
                operation.Finish();
            }
        }
    }

    private async Task SendEachAsync(List<Operation> batch)
    {
        // Still pipelined: every call is issued before any is awaited.
        var calls = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            calls[i] = SendOneAsync(batch[i]);
        }
        await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private async Task SendOneAsync(Operation operation)
    {
        try
        {
            await SendBatchAsync([operation]).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            operation.Failure = ex;
        }
    }

    private async Task SendBatchAsync(List<Operation> batch)
    {
        var keys = new RedisKey[2 * batch.Count];
        var values = new RedisValue[1 + 2 * batch.Count];
        values[0] = _expirySeconds;
        for (var i = 0; i < batch.Count; i++)
        {
            keys[2 * i] = batch[i].Key;
            keys[2 * i + 1] = batch[i].RevokedKey;
            values[1 + 2 * i] = batch[i].Kind;
            values[2 + 2 * i] = batch[i].Json;
        }
        var reply = await _redis.GetDatabase(_database).ScriptEvaluateAsync(Script, keys, values).ConfigureAwait(false);
        var found = (RedisValue[])reply!;
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Outcome = found[i].IsNullOrEmpty ? RedisValue.Null : found[i];
        }
    }

    // A Redis Cluster or proxy answers CROSSSLOT; StackExchange.Redis in cluster mode refuses before sending.
    private static bool IsCrossSlot(Exception ex) =>
        ex.Message.Contains("CROSSSLOT", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("single slot", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("same slot", StringComparison.OrdinalIgnoreCase);

    public ValueTask DisposeAsync() =>
        // Anything added while the batcher was leaving must not wait for ever.
        _batches.DisposeAsync(static stranded => stranded.TrySetException(new ObjectDisposedException(nameof(RedisWriteBatcher))));

    private sealed class Operation(RedisKey key, RedisKey revokedKey, string kind, RedisValue json)
        : TaskCompletionSource<RedisValue>
    {
        public RedisKey Key { get; } = key;
        public RedisKey RevokedKey { get; } = revokedKey;
        public string Kind { get; } = kind;
        public RedisValue Json { get; } = json;

        /// <summary>What the script answered for this operation; completed by <see cref="Finish"/>.</summary>
        public RedisValue Outcome { get; set; }

        /// <summary>Why it could not be written, if it could not.</summary>
        public Exception? Failure { get; set; }

        public void Finish()
        {
            if (Failure is { } failure)
            {
                TrySetException(failure);
            }
            else
            {
                TrySetResult(Outcome);
            }
        }
    }
}
