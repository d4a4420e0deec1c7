using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Keys;
using Afirgen.TaskProcessor.RedisBroker.Transport;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>
/// Settlements of concurrent tasks go to Redis together (one script run per batch): each is still decided on its own
/// record, so one whose lock was lost fails alone and the rest of its batch settles.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class SettleBatchTests(RedisFixture redis)
{
    private const string Queue = "settled";

    [Fact]
    public async Task ManyCompletedAtOnce_AllSettle_AndOneWhoseLockWasLost_FailsAlone()
    {
        var prefix = TestBrokers.FreshPrefix();
        await using var broker = TestBrokers.Create(redis.Server, prefix);
        for (var i = 0; i < 300; i++)
        {
            var id = $"m{i}";
            await broker.SendAsync(Queue, new OutgoingMessage(id, id, "diagnostics.noop", 0, Encoding.UTF8.GetBytes("raw " + id)), null, CancellationToken.None);
        }
        var held = new List<ReceivedDelivery>();
        while (held.Count < 300)
        {
            held.AddRange(await broker.ReceiveAsync(Queue, 300 - held.Count, CancellationToken.None));
        }

        // One delivery's lock changes under it (as when a restore and another worker's pop take its record).
        var db = redis.Connection.GetDatabase(1);
        var entries = await db.HashGetAllAsync(prefix + "unacked");
        Assert.Equal(300, entries.Length);
        var lostTag = Assert.Single(entries, e => ((string)e.Value!).Contains("\"x-afirgen-message-id\":\"m150\"", StringComparison.Ordinal)).Name;
        await db.SortedSetAddAsync(prefix + "unacked_index", lostTag, 1);

        var settling = held.Select(d => d.Settlement.CompleteAsync(CancellationToken.None)).ToArray();
        var outcomes = await Task.WhenAll(settling.Select(async t =>
        {
            try
            {
                await t;
                return (Exception?)null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }));

        var lost = held.FindIndex(d => d.Message.MessageId == "m150");
        Assert.IsType<MessageLockLostException>(outcomes[lost]);
        Assert.All(outcomes.Where((_, i) => i != lost), Assert.Null);
        // Everything but the lost one is gone from the records; the lost one is left to whoever holds it now.
        Assert.Equal(lostTag, Assert.Single(await db.HashKeysAsync(prefix + "unacked")));
        Assert.Equal(lostTag, Assert.Single(await db.SetMembersAsync(prefix + "_afirgen.inflight." + Queue)));
    }

    [Fact]
    public async Task OneBatch_AcrossListsAndRecordKinds_SettlesEachWithItsOwnKeys()
    {
        var prefix = TestBrokers.FreshPrefix();
        var keys = new KombuKeys(prefix);
        await using var broker = TestBrokers.Create(redis.Server, prefix);
        foreach (var (id, priority) in new[] { ("low-done", 1), ("low-back", 1), ("high-done", 10), ("high-dead", 10) })
        {
            await broker.SendAsync(Queue, new OutgoingMessage(id, id, "diagnostics.noop", priority, Encoding.UTF8.GetBytes("{}")), null, CancellationToken.None);
        }
        var db = redis.Connection.GetDatabase(1);
        // Not a kombu envelope: recorded in our own raw hash, settled with the raw keys.
        await db.ListLeftPushAsync(keys.List(Queue, 0), "not an envelope");
        await ReceiveAllAsync(broker, 5);

        var tags = await TagsByMessageIdAsync(db, keys);
        var rawTag = (string)Assert.Single(await db.HashKeysAsync(keys.RawUnacked))!;
        RedisKey[] low = keys.SettleKeys(true, Queue, keys.List(Queue, 0)), high = keys.SettleKeys(true, Queue, keys.List(Queue, 9)),
            raw = keys.SettleKeys(false, Queue, keys.List(Queue, 0));
        var batch = new List<SettleBatch.Operation>
        {
            new(low, ["complete", "k", tags["low-done"], await ScoreAsync(db, keys.UnackedIndex, tags["low-done"]), ""]),
            new(high, ["complete", "k", tags["high-done"], await ScoreAsync(db, keys.UnackedIndex, tags["high-done"]), ""]),
            new(low, ["abandon", "k", tags["low-back"], await ScoreAsync(db, keys.UnackedIndex, tags["low-back"]), ""]),
            new(raw, ["complete", "r", rawTag, await ScoreAsync(db, keys.RawUnackedIndex, rawTag), ""]),
            new(high, ["deadletter", "k", tags["high-dead"], await ScoreAsync(db, keys.UnackedIndex, tags["high-dead"]), "{\"id\":\"high-dead\"}"]),
        };

        await SettleBatch.SendAsync(db, batch);

        foreach (var operation in batch)
        {
            Assert.Equal(1, (long)await operation.Task);
        }
        Assert.Empty(await db.HashKeysAsync(keys.Unacked));
        Assert.Empty(await db.SortedSetRangeByRankAsync(keys.UnackedIndex));
        Assert.Empty(await db.HashKeysAsync(keys.RawUnacked));
        Assert.Empty(await db.SortedSetRangeByRankAsync(keys.RawUnackedIndex));
        Assert.Empty(await db.SetMembersAsync(keys.InFlight(Queue)));
        // The abandoned one is back on its own list (priority 1's), and nothing else is on any list.
        var back = Assert.Single(await db.ListRangeAsync(keys.List(Queue, 0)));
        Assert.Contains("\"x-afirgen-message-id\":\"low-back\"", (string)back!, StringComparison.Ordinal);
        Assert.Empty(await db.ListRangeAsync(keys.List(Queue, 9)));
        Assert.Equal("{\"seq\":1,\"id\":\"high-dead\"}", (string)Assert.Single(await db.ListRangeAsync(keys.DeadLetters(Queue)))!);
    }

    [Theory]
    // The first to reach the record settles it; the second finds its lock gone, whichever of the two comes first.
    [InlineData("complete", "abandon", 0)]
    [InlineData("abandon", "complete", 1)]
    public async Task TwoOperationsOnOneDelivery_InOneBatch_TakeEffectInOrder(string first, string second, int messagesBackOnTheList)
    {
        var prefix = TestBrokers.FreshPrefix();
        var keys = new KombuKeys(prefix);
        await using var broker = TestBrokers.Create(redis.Server, prefix);
        await broker.SendAsync(Queue, new OutgoingMessage("once", "once", "diagnostics.noop", 0, Encoding.UTF8.GetBytes("{}")), null, CancellationToken.None);
        await ReceiveAllAsync(broker, 1);
        var db = redis.Connection.GetDatabase(1);
        var tag = (await TagsByMessageIdAsync(db, keys))["once"];
        var score = await ScoreAsync(db, keys.UnackedIndex, tag);
        var group = keys.SettleKeys(true, Queue, keys.List(Queue, 0));
        var batch = new List<SettleBatch.Operation> { new(group, [first, "k", tag, score, ""]), new(group, [second, "k", tag, score, ""]) };

        await SettleBatch.SendAsync(db, batch);

        long firstAnswer = (long)await batch[0].Task, secondAnswer = (long)await batch[1].Task;
        Assert.Equal((1L, 0L), (firstAnswer, secondAnswer));
        Assert.Empty(await db.HashKeysAsync(keys.Unacked));
        Assert.Empty(await db.SetMembersAsync(keys.InFlight(Queue)));
        Assert.Equal(messagesBackOnTheList, (int)await db.ListLengthAsync(keys.List(Queue, 0)));
    }

    private static async Task ReceiveAllAsync(Afirgen.TaskProcessor.RedisBroker.Transport.RedisBroker broker, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = 0;
        while (received < count)
        {
            received += (await broker.ReceiveAsync(Queue, count - received, timeout.Token)).Count;
        }
    }

    /// <summary>The delivery tag of each recorded kombu delivery, by the message id our sender put in its properties.</summary>
    private static async Task<Dictionary<string, string>> TagsByMessageIdAsync(IDatabase db, KombuKeys keys) =>
        (await db.HashGetAllAsync(keys.Unacked)).ToDictionary(
            entry => System.Text.RegularExpressions.Regex.Match((string)entry.Value!, "\"x-afirgen-message-id\":\\s*\"([^\"]+)\"").Groups[1].Value,
            entry => (string)entry.Name!);

    /// <summary>A delivery's lock as Redis writes the score, which is what the settle script compares.</summary>
    private static async Task<string> ScoreAsync(IDatabase db, RedisKey index, string tag) =>
        (string)(await db.ExecuteAsync("ZSCORE", index, tag))!;
}
