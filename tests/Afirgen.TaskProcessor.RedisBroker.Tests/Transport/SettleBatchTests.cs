using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Testing;

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
}
