using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Cache;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>
/// <c>clear_expired_cache()</c>: AFIRGen sets every cache key with a TTL, so Redis expires them by itself;
/// what goes stale is a key left without one (a write that lost its TTL, a crashed writer). This scans
/// AFIRGen's namespaces (<c>fir:*</c>, <c>violation:*</c>, <c>kb:*</c>, <c>default:*</c>) with SCAN, which
/// also makes Redis drop keys already past their expiry, and deletes each key that has no expiry, checked
/// and deleted atomically per key. Result: <c>entries_cleared</c>.
/// </summary>
public sealed class ClearExpiredCacheTask(AfirgenCache cache, ILogger<ClearExpiredCacheTask> logger) : ITaskHandler
{
    private const string DeleteIfPersistent = "if redis.call('TTL', KEYS[1]) == -1 then return redis.call('DEL', KEYS[1]) else return 0 end";

    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var options = cache.Options;
        var database = cache.Database;
        long cleared = 0;
        // Every primary: on a clustered Redis each holds part of the keys.
        foreach (var server in cache.Connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var ns in options.Namespaces)
            {
                var batch = new List<Task<RedisResult>>();
                await foreach (var key in server.KeysAsync(options.Database, $"{ns}:*", pageSize: 500).WithCancellation(context.CancellationToken).ConfigureAwait(false))
                {
                    batch.Add(database.ScriptEvaluateAsync(DeleteIfPersistent, [key]));
                    if (batch.Count >= 500)
                    {
                        cleared += await DeletedAsync(batch).ConfigureAwait(false);
                    }
                }
                cleared += await DeletedAsync(batch).ConfigureAwait(false);
            }
        }
        CleanupLog.CacheCleared(logger, context.TaskId, cleared, string.Join(",", options.Namespaces));
        return TaskResult.Success($"Cleared {cleared} expired cache entries", new JsonObject { ["entries_cleared"] = cleared });
    }

    private static async Task<long> DeletedAsync(List<Task<RedisResult>> batch)
    {
        long sum = 0;
        foreach (var result in await Task.WhenAll(batch).ConfigureAwait(false))
        {
            sum += (long)result;
        }
        batch.Clear();
        return sum;
    }
}
