using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.RedisBroker.Keys;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>
/// One receive takes a whole batch across a queue's priority lists (one read and one trim per list, the records written
/// together): what it returns, records and leaves behind must be what popping and recording one message at a time did.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ReceiveBatchTests(RedisFixture redis)
{
    private const string Queue = "batched";

    [Fact]
    public async Task ABatchAcrossThePriorityLists_IsServedHighestFirstInOrder_EachRecordedUnderItsLock_AndTheRestStays()
    {
        var prefix = TestBrokers.FreshPrefix();
        var keys = new KombuKeys(prefix);
        var db = redis.Connection.GetDatabase(1);
        // As a Celery producer would push them: step 0 (priorities 0-2) and step 6 (6-8), oldest at the right.
        for (var i = 0; i < 5; i++)
        {
            await db.ListLeftPushAsync(keys.List(Queue, 0), AsKombuWritesIt(TestBrokers.CeleryEnvelope($"low{i}", Queue, $"tag-low{i}")));
        }
        for (var i = 0; i < 3; i++)
        {
            await db.ListLeftPushAsync(keys.List(Queue, 6), AsKombuWritesIt(TestBrokers.CeleryEnvelope($"high{i}", Queue, $"tag-high{i}")));
        }
        await using var broker = TestBrokers.Create(redis.Server, prefix);

        var batch = await broker.ReceiveAsync(Queue, 6, CancellationToken.None);

        Assert.Equal(["high0", "high1", "high2", "low0", "low1", "low2"], batch.Select(d => d.Message.MessageId));
        Assert.All(batch, d => Assert.Equal(1, d.Message.DeliveryCount));
        Assert.Equal(0, await db.ListLengthAsync(keys.List(Queue, 6)));
        Assert.Equal(["low4", "low3"], (await db.ListRangeAsync(keys.List(Queue, 0))).Select(m => TaskIdOf(m!)));
        var records = await db.HashGetAllAsync(keys.Unacked);
        Assert.Equal(6, records.Length);
        // kombu's record: [message with our delivery count spliced in first, exchange, routing key].
        Assert.All(records, r => Assert.Contains("\"headers\": {\"x-afirgen-delivery-count\": 1, \"lang\": \"py\"", (string)r.Value!, StringComparison.Ordinal));
        Assert.All(records, r => Assert.EndsWith(", \"\", \"" + Queue + "\"]", (string)r.Value!, StringComparison.Ordinal));
        var scores = await db.SortedSetRangeByRankWithScoresAsync(keys.UnackedIndex);
        Assert.Equal(6, scores.Length);
        Assert.Single(scores.Select(s => s.Score).Distinct());
        Assert.Equal(6, await db.SetLengthAsync(keys.InFlight(Queue)));

        // Each settles against the lock recorded for it; the two left are served next.
        foreach (var delivery in batch)
        {
            await delivery.Settlement.CompleteAsync(CancellationToken.None);
        }
        Assert.Equal(0, await db.HashLengthAsync(keys.Unacked));
        Assert.Equal(0, await db.SetLengthAsync(keys.InFlight(Queue)));
        var rest = await broker.ReceiveAsync(Queue, 10, CancellationToken.None);
        Assert.Equal(["low3", "low4"], rest.Select(d => d.Message.MessageId));
    }

    [Fact]
    public async Task ATagMetTwiceInOneBatch_IsRecordedOnceAsKombus_AndTheSecondCopyHeldApart_AsWhenPoppedOneByOne()
    {
        var prefix = TestBrokers.FreshPrefix();
        var keys = new KombuKeys(prefix);
        var db = redis.Connection.GetDatabase(1);
        await db.ListLeftPushAsync(keys.List(Queue, 0), TestBrokers.CeleryEnvelope("first", Queue, "same-tag"));
        await db.ListLeftPushAsync(keys.List(Queue, 0), TestBrokers.CeleryEnvelope("second", Queue, "same-tag"));
        await using var broker = TestBrokers.Create(redis.Server, prefix);

        var batch = await broker.ReceiveAsync(Queue, 10, CancellationToken.None);

        Assert.Equal(2, batch.Count);
        Assert.Equal("first", batch[0].Message.MessageId);
        // The second would overwrite the first one's record under the same tag: it is held in the raw records instead.
        Assert.StartsWith("raw-", batch[1].Message.MessageId, StringComparison.Ordinal);
        Assert.Contains("\"first\"", (string)(await db.HashGetAsync(keys.Unacked, "same-tag"))!, StringComparison.Ordinal);
        Assert.Equal(1, await db.HashLengthAsync(keys.RawUnacked));
        foreach (var delivery in batch)
        {
            await delivery.Settlement.CompleteAsync(CancellationToken.None);
        }
        Assert.Equal(0, await db.HashLengthAsync(keys.Unacked));
        Assert.Equal(0, await db.HashLengthAsync(keys.RawUnacked));
    }

    [Fact]
    public async Task AnEnvelopeInAnotherKeyOrder_HasItsDeliveryCountSplicedAllTheSame()
    {
        var prefix = TestBrokers.FreshPrefix();
        var keys = new KombuKeys(prefix);
        var db = redis.Connection.GetDatabase(1);
        // Valid JSON with "headers" before "body": not the text kombu writes, so the key-by-key scan finds the headers.
        var kombu = JsonNode.Parse(TestBrokers.CeleryEnvelope("reordered", Queue, "tag-reordered"))!.AsObject();
        var reordered = new JsonObject { ["headers"] = kombu["headers"]!.DeepClone() };
        foreach (var (name, value) in kombu.Where(p => p.Key != "headers"))
        {
            reordered[name] = value!.DeepClone();
        }
        await db.ListLeftPushAsync(keys.List(Queue, 0), reordered.ToJsonString());
        await using var broker = TestBrokers.Create(redis.Server, prefix);

        var delivery = Assert.Single(await broker.ReceiveAsync(Queue, 10, CancellationToken.None));

        Assert.Equal("reordered", delivery.Message.MessageId);
        Assert.StartsWith("{\"headers\":{\"x-afirgen-delivery-count\": 1, \"lang\":\"py\",", System.Text.Encoding.UTF8.GetString(delivery.Message.Body.Span), StringComparison.Ordinal);
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
    }

    /// <summary>The envelope with kombu's own spacing (one space after each separator), which the receive script reads fastest.</summary>
    private static string AsKombuWritesIt(string envelope) => Regex.Replace(envelope, @"\s+", " ");

    private static string TaskIdOf(RedisValue envelope)
    {
        var text = (string)envelope!;
        var at = text.IndexOf("\"id\": \"", StringComparison.Ordinal) + 7;
        return text[at..text.IndexOf('"', at)];
    }
}
