using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>
/// Our workers' leases on what they hold, beside Celery workers' deliveries, which nobody renews: a lease that ends
/// unrenewed is restored then; one that is renewed is not; a Celery worker's delivery waits for Celery's own timeout.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class LeaseTests(RedisFixture redis)
{
    private const string Queue = "leased";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AnUnrenewedLease_IsRestoredWhenItEnds_WhileACeleryWorkersDeliveryWaitsForCeleryVisibilityTimeout()
    {
        var prefix = TestBrokers.FreshPrefix();
        await using var broker = TestBrokers.Create(redis.Server, prefix, configure: o =>
        {
            o.VisibilityTimeout = Lease;
            o.CeleryVisibilityTimeout = TimeSpan.FromMinutes(10);
        });
        await broker.SendAsync(Queue, Message("ours"), null, CancellationToken.None);
        var ours = Assert.Single(await broker.ReceiveAsync(Queue, 1, CancellationToken.None));
        Assert.InRange(ours.Message.LockedUntil - DateTimeOffset.UtcNow, Lease - TimeSpan.FromSeconds(1), Lease);

        // What a Celery worker leaves when it takes an ETA task and holds it in memory: kombu's record, scored by the
        // time it was taken (a minute ago, twelve of our leases), and nothing more.
        var db = redis.Connection.GetDatabase(1);
        var tag = Guid.NewGuid().ToString();
        var theirs = Envelope("theirs", tag);
        await db.HashSetAsync(prefix + "unacked", tag, $"[{theirs}, \"\", \"{Queue}\"]");
        var takenAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() / 1000.0;
        await db.SortedSetAddAsync(prefix + "unacked_index", tag, takenAt);

        // Our lease ends unrenewed (its worker died): the next receive restores it and hands it out again.
        await Task.Delay(Lease + TimeSpan.FromSeconds(1));
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var again = Assert.Single(await broker.ReceiveAsync(Queue, 10, wait.Token));
        Assert.Equal("ours", again.Message.MessageId);
        Assert.Equal(2, again.Message.DeliveryCount);
        await Assert.ThrowsAsync<MessageLockLostException>(() => ours.Settlement.CompleteAsync(CancellationToken.None));
        await again.Settlement.CompleteAsync(CancellationToken.None);

        // The Celery worker's delivery is still its own, where Celery left it.
        Assert.True(await db.HashExistsAsync(prefix + "unacked", tag));
        Assert.Equal(takenAt, (await db.SortedSetScoreAsync(prefix + "unacked_index", tag))!.Value, 3);
        Assert.Equal(0, await db.ListLengthAsync(prefix + Queue));
    }

    [Fact]
    public async Task ARenewedLease_OutlivesManyLeaseDurations_AndCeleryWorkersWouldNotRestoreItEither()
    {
        var prefix = TestBrokers.FreshPrefix();
        var celeryTimeout = TimeSpan.FromMinutes(10);
        await using var broker = TestBrokers.Create(redis.Server, prefix, configure: o =>
        {
            o.VisibilityTimeout = Lease;
            o.CeleryVisibilityTimeout = celeryTimeout;
        });
        await broker.SendAsync(Queue, Message("long"), null, CancellationToken.None);
        var held = Assert.Single(await broker.ReceiveAsync(Queue, 1, CancellationToken.None));
        var db = redis.Connection.GetDatabase(1);

        // Three leases long, renewed every second (as the consumer renews well inside a lease).
        for (var i = 0; i < 15; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var until = await held.Settlement.RenewLockAsync(CancellationToken.None);
            Assert.InRange(until - DateTimeOffset.UtcNow, Lease - TimeSpan.FromSeconds(1), Lease);
            // Nobody, of ours, took it back meanwhile.
            using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            Assert.Empty(await broker.ReceiveAsync(Queue, 1, quick.Token));
        }

        // In kombu's index it carries its lease's end less Celery's timeout: a Celery worker restores what is older
        // than now less its timeout, so it would restore this only once the lease ended unrenewed.
        var tag = (await db.HashKeysAsync(prefix + "unacked")).Single();
        var score = (await db.SortedSetScoreAsync(prefix + "unacked_index", tag))!.Value;
        var celeryCeiling = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - celeryTimeout.TotalSeconds;
        Assert.InRange(score - celeryCeiling, Lease.TotalSeconds - 1.5, Lease.TotalSeconds + 0.5);
        await held.Settlement.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AMessageWhosePriorityIsAString_IsDeadLetteredWithItsReason()
    {
        // properties.priority "high": the engine refuses the message, and the dead-letter entry must still be written.
        var prefix = TestBrokers.FreshPrefix();
        await using var broker = TestBrokers.Create(redis.Server, prefix);
        var envelope = JsonNode.Parse(Envelope("odd", Guid.NewGuid().ToString()))!;
        envelope["properties"]!["priority"] = "high";
        await redis.Connection.GetDatabase(1).ListLeftPushAsync(prefix + Queue, envelope.ToJsonString());

        var delivery = Assert.Single(await broker.ReceiveAsync(Queue, 1, CancellationToken.None));
        await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.MalformedMessage, "properties.priority must be a whole number; found a string.", CancellationToken.None);

        var dead = Assert.Single(await broker.GetDeadLettersAsync(Queue, 10, CancellationToken.None));
        Assert.Equal(DeadLetterReasons.MalformedMessage, dead.Reason);
        Assert.Equal(0, dead.Priority);
        Assert.Equal("diagnostics.echo", dead.TaskName);
        Assert.Equal(0, await redis.Connection.GetDatabase(1).HashLengthAsync(prefix + "unacked"));
    }

    private static OutgoingMessage Message(string id) =>
        new(id, id, "diagnostics.echo", 5, Encoding.UTF8.GetBytes(Envelope(id, Guid.NewGuid().ToString())));

    private static string Envelope(string taskId, string deliveryTag) => TestBrokers.CeleryEnvelope(taskId, Queue, deliveryTag);
}
