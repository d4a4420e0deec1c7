using Afirgen.TaskProcessor.Engine.Json;
using Afirgen.TaskProcessor.Engine.Monitoring;
using System.Globalization;
using System.Text.Json;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Monitoring;

/// <summary>
/// Monitoring state in the results' Redis, shared by every instance. Keys (all behind one hash tag, so
/// one script may touch them on a clustered Redis too):
/// <c>{afirgen-monitor}:index</c> a hash of task id → the task's latest state and its updates' fields (<see cref="TaskIndexValue"/>), dropped (by <see cref="TrimAsync"/>)
/// when its result expires or the index is over its size;
/// <c>…:tasks</c> and <c>…:tasks:&lt;STATE&gt;</c> sorted sets of task ids by time of their latest state;
/// <c>…:children:&lt;id&gt;</c> the ids of started tasks whose parent is that task, by when they first started
/// (written by the same script, expiring with the index);
/// <c>…:throughput:&lt;n&gt;</c> finished tasks per 10-second bucket (one hour);
/// <c>…:instances</c> (sorted by heartbeat) and <c>…:instance:&lt;name&gt;</c> each instance's heartbeat as JSON.
/// </summary>
public sealed class RedisMonitoringStore : IMonitoringStore
{
    private const int PageSize = 500;
    private const int MaxScanned = 20_000;
    // Entries dropped per trim call, 5 to 6 µs of Redis time each on a full index: 2,000 a call took 10 ms at the median
    // and up to 19 ms, blocking every other client of that Redis meanwhile; 250 take 1.6 ms at the median. A call stays
    // short, and MonitoringService makes as many as the backlog needs.
    internal const int TrimBatch = 250;
    private static readonly TimeSpan ThroughputKept = TimeSpan.FromHours(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // ARGV: prefix, index ttl, throughput ttl, update count n, then per update five: task id, unix time, state, its
    // fields as a JSON object, parent id ('' for none); then the bucket count and per bucket: number, field, increment.
    // A task's entry is one field of one hash: "<time>|<STATE>|" (its latest state) followed by the JSON objects of its
    // updates, appended as they come; the reader merges them. So the script only reads, compares and concatenates
    // strings (decoding and re-encoding JSON in Lua cost more than everything else a task writes), and it writes each
    // batch with one HSET and one ZADD per sorted set rather than a few commands per task. Ids are unique per batch.
    private const string WriteScript = """
        local p = ARGV[1]
        local index = p .. 'index'
        local ittl = tonumber(ARGV[2])
        local bttl = tonumber(ARGV[3])
        local n = tonumber(ARGV[4])
        local function each_chunk(list, f)
          for s = 1, #list, 1000 do f(unpack(list, s, math.min(s + 999, #list))) end
        end
        local ids = {}
        for u = 1, n do ids[u] = ARGV[5 * u] end
        local olds = {}
        for s = 1, n, 500 do
          local got = redis.call('HMGET', index, unpack(ids, s, math.min(s + 499, n)))
          for k = 1, #got do olds[s + k - 1] = got[k] end
        end
        local hset, all, into, out = {}, {}, {}, {}
        for u = 1, n do
          local id, ts, state, fields, parent = ARGV[5 * u], ARGV[5 * u + 1], ARGV[5 * u + 2], ARGV[5 * u + 3], ARGV[5 * u + 4]
          local old = olds[u]
          local value, oldState
          local newer = true
          if old then
            local oldTs, rest
            if string.sub(old, 1, 1) == '{' then
              -- Written by the previous version of this script: one JSON object holding state and timestamp.
              local ok, stored = pcall(cjson.decode, old)
              if ok and type(stored) == 'table' then oldState = stored['state']; oldTs = tonumber(stored['timestamp']) end
              rest = old
            else
              local a = string.find(old, '|', 1, true)
              local b = a and string.find(old, '|', a + 1, true)
              if b then
                oldTs = tonumber(string.sub(old, 1, a - 1))
                oldState = string.sub(old, a + 1, b - 1)
                rest = string.sub(old, b + 1)
              else
                rest = ''
              end
            end
            newer = (not oldTs) or tonumber(ts) >= oldTs
            if newer then
              value = ts .. '|' .. state .. '|' .. rest .. fields
            else
              value = old .. fields
            end
          else
            value = ts .. '|' .. state .. '|' .. fields
          end
          hset[#hset + 1] = id
          hset[#hset + 1] = value
          if newer then
            if oldState and oldState ~= state then
              out[oldState] = out[oldState] or {}
              table.insert(out[oldState], id)
            end
            into[state] = into[state] or {}
            table.insert(into[state], ts)
            table.insert(into[state], id)
            all[#all + 1] = ts
            all[#all + 1] = id
          end
          if parent ~= '' then
            local children = p .. 'children:' .. parent
            redis.call('ZADD', children, 'NX', ts, id)
            redis.call('EXPIRE', children, ittl)
          end
        end
        each_chunk(hset, function(...) redis.call('HSET', index, ...) end)
        for state, members in pairs(out) do each_chunk(members, function(...) redis.call('ZREM', p .. 'tasks:' .. state, ...) end) end
        for state, pairs_ in pairs(into) do each_chunk(pairs_, function(...) redis.call('ZADD', p .. 'tasks:' .. state, ...) end) end
        each_chunk(all, function(...) redis.call('ZADD', p .. 'tasks', ...) end)
        local i = 5 * n + 5
        for b = 1, tonumber(ARGV[i]) do
          local key = p .. 'throughput:' .. ARGV[i + 3 * b - 2]
          redis.call('HINCRBY', key, ARGV[i + 3 * b - 1], tonumber(ARGV[i + 3 * b]))
          redis.call('EXPIRE', key, bttl)
        end
        return 0
        """;

    // ARGV: prefix, oldest time kept (Unix seconds), most entries kept, how many to drop at most (ties aside), then
    // the states that have a sorted set. Drops
    // the entries whose results have expired and the oldest beyond the cap. A task has the same score (the time of
    // its latest state) in the all-tasks set and in its state's set, so everything at or below one cutoff score goes
    // with one range removal per set, never a lookup per task; the ids are read once, for the hash and the
    // children's sets. Returns how many it dropped.
    private const string TrimScript = """
        local p, batch = ARGV[1], tonumber(ARGV[4])
        local index, tasks = p .. 'index', p .. 'tasks'
        local cutoff = tonumber(ARGV[2])
        local excess = redis.call('ZCARD', tasks) - tonumber(ARGV[3])
        if excess > 0 then
          local last = redis.call('ZRANGE', tasks, excess - 1, excess - 1, 'WITHSCORES')
          if last[2] and tonumber(last[2]) > cutoff then cutoff = tonumber(last[2]) end
        end
        local first = redis.call('ZRANGEBYSCORE', tasks, '-inf', cutoff, 'WITHSCORES', 'LIMIT', 0, batch)
        if #first == 0 then return 0 end
        if #first == 2 * batch then cutoff = tonumber(first[#first]) end
        -- Everything at or below the cutoff: the batch and any ties with its last score, so no entry is left behind
        -- in the hash once the range removals below take it out of the sorted sets.
        local ids = redis.call('ZRANGEBYSCORE', tasks, '-inf', cutoff)
        local children = {}
        for k, id in ipairs(ids) do children[k] = p .. 'children:' .. id end
        for s = 1, #ids, 1000 do
          local e = math.min(s + 999, #ids)
          redis.call('HDEL', index, unpack(ids, s, e))
          redis.call('DEL', unpack(children, s, e))
        end
        for k = 5, #ARGV do
          redis.call('ZREMRANGEBYSCORE', p .. 'tasks:' .. ARGV[k], '-inf', cutoff)
        end
        redis.call('ZREMRANGEBYSCORE', tasks, '-inf', cutoff)
        return #ids
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly int _database;
    private readonly string _prefix;
    private readonly TimeSpan _indexKept;
    private readonly int _maxIndexed;
    private readonly TimeProvider _time;

    public RedisMonitoringStore(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<ResultOptions> resultOptions,
        IOptions<MonitoringOptions> monitoringOptions, TimeProvider time)
    {
        _redis = redis;
        _database = redisOptions.Value.ResolvedDatabase;
        _prefix = redisOptions.Value.KeyPrefix + "{afirgen-monitor}:";
        _indexKept = resultOptions.Value.Expires;
        _maxIndexed = Math.Max(100, monitoringOptions.Value.MaxIndexedTasks);
        _time = time;
    }

    private IDatabase Db => _redis.GetDatabase(_database);

    public Task PublishInstanceAsync(InstanceState state, TimeSpan keep, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        var json = JsonSerializer.Serialize(state, Json);
        await Task.WhenAll(
            db.StringSetAsync(_prefix + "instance:" + state.Name, json, keep),
            db.SortedSetAddAsync(_prefix + "instances", state.Name, state.HeartbeatAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return true;
    });

    public Task RemoveInstanceAsync(string name, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        await Task.WhenAll(db.KeyDeleteAsync(_prefix + "instance:" + name), db.SortedSetRemoveAsync(_prefix + "instances", name)).ConfigureAwait(false);
        return true;
    });

    public Task<IReadOnlyList<InstanceState>> GetInstancesAsync(CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        var names = await db.SortedSetRangeByRankAsync(_prefix + "instances").ConfigureAwait(false);
        if (names.Length == 0)
        {
            return (IReadOnlyList<InstanceState>)[];
        }
        var values = await db.StringGetAsync(names.Select(n => (RedisKey)(_prefix + "instance:" + n)).ToArray()).ConfigureAwait(false);
        var found = new List<InstanceState>(names.Length);
        var gone = new List<RedisValue>();
        for (var i = 0; i < names.Length; i++)
        {
            if (values[i].IsNull)
            {
                gone.Add(names[i]);
            }
            else if (JsonSerializer.Deserialize<InstanceState>((string)values[i]!, Json) is { } state)
            {
                found.Add(state);
            }
        }
        if (gone.Count > 0)
        {
            await db.SortedSetRemoveAsync(_prefix + "instances", gone.ToArray()).ConfigureAwait(false);
        }
        return found.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray();
    });

    public Task WriteTaskUpdatesAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return Task.CompletedTask;
        }
        // The script reads every entry of a batch before it writes any, so no task may appear twice.
        var unique = TaskIndexEntry.OnePerTask(updates);
        var buckets = new Dictionary<(long, string), long>();
        var args = new List<RedisValue>(5 + 5 * unique.Count)
        {
            _prefix,
            Math.Max(1, (long)_indexKept.TotalSeconds),
            (long)ThroughputKept.TotalSeconds,
            unique.Count,
        };
        foreach (var update in unique)
        {
            args.Add(update.TaskId);
            args.Add(TaskIndexFields.FormatTime(update.Timestamp));
            args.Add(update.State);
            args.Add(FieldsJson(update));
            args.Add(update.ParentId ?? "");
            if (IndexedStates.ThroughputField(update.State) is { } counted)
            {
                var key = (ThroughputBucket.NumberOf(update.Timestamp), counted);
                buckets[key] = buckets.GetValueOrDefault(key) + 1;
            }
        }
        args.Add(buckets.Count);
        foreach (var ((number, field), count) in buckets)
        {
            args.Add(number);
            args.Add(field);
            args.Add(count);
        }
        return RunAsync(async () =>
        {
            await Db.ScriptEvaluateAsync(WriteScript, [_prefix + "index"], args.ToArray()).ConfigureAwait(false);
            return true;
        });
    }

    private static byte[] FieldsJson(TaskIndexEntry update)
    {
        using var pooled = PooledJsonWriter.Rent();
        var writer = pooled.Writer;
        writer.WriteStartObject();
        foreach (var (field, value) in update.Fields())
        {
            writer.WriteString(field, value);
        }
        writer.WriteEndObject();
        return pooled.ToArray();
    }

    public Task<IReadOnlyDictionary<string, long>> CountTasksByStateAsync(CancellationToken cancellationToken) => RunAsync(async () =>
    {
        // One ZCARD per state's sorted set, pipelined: the counts are as cheap as the sets are large.
        var db = Db;
        var counts = await Task.WhenAll(IndexedStates.All.Select(state => db.SortedSetLengthAsync(_prefix + "tasks:" + state))).ConfigureAwait(false);
        return (IReadOnlyDictionary<string, long>)IndexedStates.All.Select((state, i) => (state, counts[i])).ToDictionary(p => p.state, p => p.Item2, StringComparer.Ordinal);
    });

    public Task<IReadOnlyList<TaskIndexEntry>> QueryTasksAsync(TaskQuery query, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        var source = _prefix + (query.State is { } state ? "tasks:" + state : "tasks");
        if (query.SortBy is null && !query.FiltersEntries)
        {
            // Newest first straight from the sorted set: one page read.
            var ids = await db.SortedSetRangeByRankAsync(source, query.Offset, query.Offset + Math.Max(query.Limit, 1) - 1, Order.Descending).ConfigureAwait(false);
            return await WithChildrenAsync(db, (await LoadAsync(db, ids).ConfigureAwait(false)).Take(query.Limit).ToArray()).ConfigureAwait(false);
        }

        // Filtered or sorted: read pages from the newest until enough match (or a bound is reached).
        var wanted = query.SortBy is null ? query.Offset + query.Limit : int.MaxValue;
        var matches = new List<TaskIndexEntry>();
        for (var start = 0L; start < MaxScanned && matches.Count < wanted; start += PageSize)
        {
            var ids = await db.SortedSetRangeByRankAsync(source, start, start + PageSize - 1, Order.Descending).ConfigureAwait(false);
            matches.AddRange((await LoadAsync(db, ids).ConfigureAwait(false)).Where(query.Matches));
            if (ids.Length < PageSize)
            {
                break;
            }
        }
        return await WithChildrenAsync(db, query.Page(matches)).ConfigureAwait(false);
    });

    public Task<TaskIndexEntry?> GetTaskAsync(string taskId, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        return await WithChildrenAsync(db, await LoadAsync(db, [taskId]).ConfigureAwait(false)).ConfigureAwait(false) is [var first, ..] ? first : null;
    });

    /// <summary>Adds each entry's started children, read for the page being answered only (pipelined: one round trip).</summary>
    private async Task<IReadOnlyList<TaskIndexEntry>> WithChildrenAsync(IDatabase db, IReadOnlyList<TaskIndexEntry> entries)
    {
        if (entries.Count == 0)
        {
            return entries;
        }
        var children = await Task.WhenAll(entries.Select(e => db.SortedSetRangeByRankAsync(_prefix + "children:" + e.TaskId))).ConfigureAwait(false);
        return entries.Select((e, i) => children[i].Length == 0
            ? e
            : e with { Children = children[i].Select(v => (string)v!).ToArray() }).ToArray();
    }

    public Task<IReadOnlyList<ThroughputBucket>> GetThroughputAsync(DateTimeOffset since, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var db = Db;
        var first = ThroughputBucket.NumberOf(since);
        var last = ThroughputBucket.NumberOf(_time.GetUtcNow());
        var numbers = Enumerable.Range(0, (int)Math.Clamp(last - first + 1, 0, 360)).Select(i => first + i).ToArray();
        var buckets = await Task.WhenAll(numbers.Select(n => db.HashGetAllAsync(_prefix + "throughput:" + n.ToString(CultureInfo.InvariantCulture))))
            .ConfigureAwait(false);
        return (IReadOnlyList<ThroughputBucket>)numbers.Select((n, i) =>
        {
            var f = buckets[i].ToDictionary(e => (string)e.Name!, e => (long)e.Value);
            return new ThroughputBucket(ThroughputBucket.StartOf(n), f.GetValueOrDefault("succeeded"), f.GetValueOrDefault("failed"), f.GetValueOrDefault("retried"));
        }).ToArray();
    });

    public Task<bool> TrimAsync(CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var oldest = (_time.GetUtcNow() - _indexKept).ToUnixTimeMilliseconds() / 1000.0;
        var dropped = (long)await Db.ScriptEvaluateAsync(TrimScript, [_prefix + "index"],
            [_prefix, oldest, _maxIndexed, TrimBatch, .. IndexedStates.All]).ConfigureAwait(false);
        return dropped >= TrimBatch;
    });

    private async Task<IReadOnlyList<TaskIndexEntry>> LoadAsync(IDatabase db, RedisValue[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }
        var values = await db.HashGetAsync(_prefix + "index", ids).ConfigureAwait(false);
        var entries = new List<TaskIndexEntry>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (values[i].IsNull)
            {
                continue;
            }
            if (TaskIndexValue.Read((byte[])values[i]!) is { } fields && TaskIndexEntry.FromFields(ids[i]!, fields) is { } entry)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new ResultStoreUnavailableException($"The monitoring state in Redis could not be reached ({RedisFailures.Describe(ex)}).", ex);
        }
    }
}
