using Afirgen.TaskProcessor.RedisBroker.Scripts;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>
/// Settlements and renewals of many deliveries in one run of the settle script: concurrent tasks' acknowledgements
/// are group-committed as their result writes are, so under load one round trip serves many, and one alone still
/// goes out at once (<see cref="Engine.Batching.GroupCommit{T}"/>).
/// </summary>
/// <remarks>
/// A settlement lost with the process (added, not yet sent) leaves its delivery recorded as ours: restored when its
/// lease ends and delivered again, where the stored result makes the second delivery a duplicate that is settled
/// without running.
/// </remarks>
internal static class SettleBatch
{
    /// <summary>
    /// One operation: its key group (8 keys, as settle.lua takes them; one shared array per record kind, queue and list,
    /// so that a batch sends each group once) and its 5 arguments, with its answer to come.
    /// </summary>
    internal sealed class Operation(RedisKey[] keys, RedisValue[] arguments) : TaskCompletionSource<RedisResult>
    {
        public RedisKey[] Keys { get; } = keys;
        public RedisValue[] Arguments { get; } = arguments;
    }

    /// <summary>Sends <paramref name="batch"/> as one script call and completes each operation with its answer.</summary>
    /// <remarks>
    /// Completions run here, on the thread StackExchange.Redis finishes the call on (the thread pool): after a settle
    /// comes only the end of a task's run, which is short.
    /// </remarks>
    public static async Task SendAsync(IDatabase db, List<Operation> batch)
    {
        try
        {
            // Key groups by reference: a worker's batch nearly always shares one (a queue's default list).
            var groups = new List<RedisKey[]>(1);
            var arguments = new RedisValue[6 * batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var group = groups.IndexOf(batch[i].Keys);
                if (group < 0)
                {
                    group = groups.Count;
                    groups.Add(batch[i].Keys);
                }
                arguments[6 * i] = group + 1;
                batch[i].Arguments.CopyTo(arguments, 6 * i + 1);
            }
            var keys = new RedisKey[8 * groups.Count];
            for (var g = 0; g < groups.Count; g++)
            {
                groups[g].CopyTo(keys, 8 * g);
            }
            var answers = (RedisResult[])(await db.ScriptEvaluateAsync(KombuScripts.Settle, keys, arguments).ConfigureAwait(false))!;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(answers[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (var operation in batch)
            {
                operation.TrySetException(ex);
            }
        }
    }
}
