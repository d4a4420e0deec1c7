using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>Our worker and Celery's on one queue of Celery's Redis broker: they share the work and recover each other's.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class MixedFleetTests(RedisFixture redis)
{
    [Fact]
    public async Task OurWorkerAndACeleryWorker_ShareOneQueue_WithNoneLostAndNoneRunTwice()
    {
        const int Count = 2000;
        await using var fleet = new Fleet(redis.Server);
        var records = Fleet.Records(redis.Connection);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromMinutes(1));
        await fleet.StartCeleryAsync("fleet", TimeSpan.FromMinutes(1));

        var ids = await fleet.ProduceAsync("--count", Count.ToString(), "--kwargs", """{"sleep_ms": 2}""");
        Assert.Equal(Count, ids.Length);
        await Fleet.WaitForAsync(async () => await records.SetLengthAsync(fleet.KeyPrefix + "done") == Count, TimeSpan.FromMinutes(3), $"{Count} tasks to be done");

        var runs = await records.HashGetAllAsync(fleet.KeyPrefix + "runs");
        Assert.Equal(Count, runs.Length);
        Assert.All(runs, r => Assert.Equal(1, (int)r.Value));
        var byWorker = new Dictionary<string, int>();
        foreach (var id in ids)
        {
            var who = ((string)(await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0))!).Split(':')[0];
            byWorker[who] = byWorker.GetValueOrDefault(who) + 1;
        }
        Assert.True(byWorker.GetValueOrDefault("dotnet") > 0 && byWorker.GetValueOrDefault("celery") > 0,
            $"both workers should have taken part: {string.Join(", ", byWorker)}");
        // Late acknowledgement left nothing behind on either side.
        await Fleet.WaitForAsync(async () => await redis.Connection.GetDatabase(1).HashLengthAsync(fleet.KeyPrefix + "unacked") == 0,
            TimeSpan.FromSeconds(30), "kombu's unacked hash to empty");
        foreach (var id in ids.Take(200))
        {
            Assert.Equal("SUCCESS", (string?)(await Fleet.ResultAsync(redis.Connection, id))?["status"]);
        }
    }

    [Fact]
    public async Task ACeleryWorkerKilledMidTask_HasItsMessageRestoredByOurWorker_WhichRunsItOnce()
    {
        var visibility = TimeSpan.FromSeconds(5);
        await using var fleet = new Fleet(redis.Server);
        var broker = redis.Connection.GetDatabase(1);
        var celery = await fleet.StartCeleryAsync("fleet", visibility, concurrency: 1);
        // Long enough for the kill to land mid-run; ours then runs the same message (and sleep) once more.
        var id = (await fleet.ProduceAsync("--kwargs", """{"sleep_ms": 4000}"""))[0];
        await Fleet.WaitForAsync(async () => await IsUnackedAsync(broker, fleet, id), TimeSpan.FromSeconds(30), "the Celery worker to take the task");
        // Our statistics count what a Celery worker holds as in flight on its queue (read from kombu's records).
        await using (var ours = TestBrokers.Create(redis.Server, fleet.KeyPrefix))
        {
            var statistics = (await ours.GetStatisticsAsync(["fleet", "elsewhere"], CancellationToken.None)).ToDictionary(s => s.Queue);
            Assert.Equal(1, statistics["fleet"].InFlight);
            Assert.Equal(0, statistics["fleet"].Waiting);
            Assert.Equal(0, statistics["elsewhere"].InFlight);
        }
        await Fleet.KillAsync(celery);

        await fleet.StartOursAsync(["fleet"], visibility);
        var records = Fleet.Records(redis.Connection);
        await Fleet.WaitForAsync(async () => await records.SetContainsAsync(fleet.KeyPrefix + "done", id), TimeSpan.FromSeconds(60),
            "our worker to restore and run the task");
        Assert.Equal(1, (int)await records.HashGetAsync(fleet.KeyPrefix + "runs", id));
        Assert.StartsWith("dotnet:", (string?)await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0));
        // The handler records itself done a moment before the worker stores its result.
        await Fleet.WaitForAsync(async () => (string?)(await Fleet.ResultAsync(redis.Connection, id))?["status"] == "SUCCESS", TimeSpan.FromSeconds(10),
            "our worker to store SUCCESS");
        // The ack follows the stored result (late acknowledgement), so it may land a moment after the result.
        await Fleet.WaitForAsync(async () => await broker.HashLengthAsync(fleet.KeyPrefix + "unacked") == 0, TimeSpan.FromSeconds(10),
            "our worker to acknowledge the restored message");
    }

    [Fact]
    public async Task OurWorkerKilledMidTask_HasItsMessageRestoredByACeleryWorker_WhichRunsItOnce()
    {
        var visibility = TimeSpan.FromSeconds(5);
        await using var fleet = new Fleet(redis.Server);
        var broker = redis.Connection.GetDatabase(1);
        var records = Fleet.Records(redis.Connection);
        var ours = await fleet.StartOursAsync(["fleet"], visibility, concurrency: 1, prefetchMultiplier: 1);
        var id = (await fleet.ProduceAsync("--kwargs", """{"sleep_ms": 4000}"""))[0];
        await Fleet.WaitForAsync(async () => await IsUnackedAsync(broker, fleet, id), TimeSpan.FromSeconds(30), "our worker to take the task");
        await Fleet.KillAsync(ours);
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", id), "the kill should have landed mid-run");

        // kombu's restore_visible reads the record our worker left (with our delivery-count header in it) and
        // puts the message back; the Celery worker then runs it. kombu restores when its worker starts and then
        // only every tenth 10 s poll, so the Celery worker starts once the record is past the visibility timeout.
        await Task.Delay(visibility + TimeSpan.FromSeconds(1));
        await fleet.StartCeleryAsync("fleet", visibility, concurrency: 1);
        await Fleet.WaitForAsync(async () => await records.SetContainsAsync(fleet.KeyPrefix + "done", id), TimeSpan.FromSeconds(90),
            "the Celery worker to restore and run the task");
        Assert.Equal(1, (int)await records.HashGetAsync(fleet.KeyPrefix + "runs", id));
        Assert.StartsWith("celery:", (string?)await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0));
        await Fleet.WaitForAsync(async () => (string?)(await Fleet.ResultAsync(redis.Connection, id))?["status"] == "SUCCESS",
            TimeSpan.FromSeconds(10), "the Celery worker to store SUCCESS");
        await Fleet.WaitForAsync(async () => await broker.HashLengthAsync(fleet.KeyPrefix + "unacked") == 0, TimeSpan.FromSeconds(10),
            "the Celery worker to acknowledge the restored message");
    }

    [Fact]
    public async Task CountdownTasksThatACeleryWorkerHolds_PastOurLease_AreNotRestoredByOurs_AndRunOnce()
    {
        // Celery's best-known Redis bug (celery#2481, #3270, #4400, #7009, kombu#337) is an ETA task held in a worker's
        // memory longer than the visibility timeout, restored and run twice. Our short lease must apply to our own
        // deliveries only: a Celery worker's wait for Celery's timeout (one hour here, on both sides).
        var lease = TimeSpan.FromSeconds(5);
        var celeryTimeout = TimeSpan.FromHours(1);
        await using var fleet = new Fleet(redis.Server);
        var records = Fleet.Records(redis.Connection);
        var broker = redis.Connection.GetDatabase(1);
        await fleet.StartCeleryAsync("fleet", celeryTimeout);
        var sentAt = DateTimeOffset.UtcNow;
        var ids = await fleet.ProduceAsync("--count", "20", "--countdown", "15");
        // Let the Celery worker take them (it holds ETA tasks in memory, unacknowledged) before ours joins.
        await Fleet.WaitForAsync(async () => await broker.HashLengthAsync(fleet.KeyPrefix + "unacked") >= 10, TimeSpan.FromSeconds(30),
            "the Celery worker to take the countdown tasks");
        await fleet.StartOursAsync(["fleet"], lease, celeryVisibilityTimeout: celeryTimeout);

        await Fleet.WaitForAsync(async () => await records.SetLengthAsync(fleet.KeyPrefix + "done") == ids.Length, TimeSpan.FromSeconds(90),
            "the countdown tasks to run");
        // Three of our leases more, with our workers restoring every half second: still one run each.
        await Task.Delay(3 * lease);
        foreach (var id in ids)
        {
            Assert.Equal(1, (int)await records.HashGetAsync(fleet.KeyPrefix + "runs", id));
            var completed = ((string)(await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0))!).Split(':');
            Assert.True(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(completed[2])) >= sentAt.AddSeconds(14), "a countdown task ran before its time");
        }
        Assert.Equal(0, await broker.HashLengthAsync(fleet.KeyPrefix + "unacked"));
    }

    /// <summary>Whether kombu's unacked hash holds a record of the message of task <paramref name="taskId"/>.</summary>
    private static async Task<bool> IsUnackedAsync(IDatabase broker, Fleet fleet, string taskId)
    {
        foreach (var entry in await broker.HashGetAllAsync(fleet.KeyPrefix + "unacked"))
        {
            if (((string)entry.Value!).Contains(taskId, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
