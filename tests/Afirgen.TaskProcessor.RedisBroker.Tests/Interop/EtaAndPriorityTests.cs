using System.Diagnostics;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>ETA and priority as Celery's producer sends them, served by our worker from Celery's Redis broker.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class EtaAndPriorityTests(RedisFixture redis)
{
    [Fact]
    public async Task CountdownTasks_RunOnceAtTheirTime_EvenWhenTheyWaitPastTheVisibilityTimeout()
    {
        // Celery would hold these in worker memory, unacknowledged, and kombu's restore would run them twice.
        await using var fleet = new Fleet(redis.Server);
        var records = Fleet.Records(redis.Connection);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(5));
        var sentAt = DateTimeOffset.UtcNow;
        var ids = await fleet.ProduceAsync("--count", "3", "--countdown", "8");

        await Fleet.WaitForAsync(async () => await records.SetLengthAsync(fleet.KeyPrefix + "done") == ids.Length, TimeSpan.FromSeconds(60), "the ETA tasks to run");
        // Past another visibility timeout and restore: still one run each.
        await Task.Delay(TimeSpan.FromSeconds(6));
        foreach (var id in ids)
        {
            Assert.Equal(1, (int)await records.HashGetAsync(fleet.KeyPrefix + "runs", id));
            var completed = ((string)(await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0))!).Split(':');
            Assert.True(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(completed[2])) >= sentAt.AddSeconds(8), "an ETA task ran before its time");
        }
    }

    [Fact]
    public async Task Priority10_BehindABacklogOf1000Priority1Tasks_StartsAtTheNextFreeSlot()
    {
        await using var fleet = new Fleet(redis.Server);
        var records = Fleet.Records(redis.Connection);
        var broker = redis.Connection.GetDatabase(1);
        await fleet.ProduceAsync("--count", "1000", "--priority", "1", "--kwargs", """{"sleep_ms": 20}""");
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromMinutes(1), concurrency: 1, prefetchMultiplier: 1);
        await Fleet.WaitForAsync(async () => await records.ListLengthAsync(fleet.KeyPrefix + "order") >= 10, TimeSpan.FromSeconds(60), "the backlog to start");

        // Note how many had finished the moment the priority-10 message reached its list.
        var urgentList = (RedisKey)$"{fleet.KeyPrefix}fleet\u0006\u00169";
        var producing = fleet.ProduceAsync("--priority", "10", "--kwargs", """{"sleep_ms": 20}""");
        long finishedBefore = -1;
        var looking = Stopwatch.StartNew();
        while (finishedBefore < 0 && looking.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await broker.ListLengthAsync(urgentList) > 0 || await broker.HashLengthAsync(fleet.KeyPrefix + "unacked") > 1)
            {
                finishedBefore = await records.ListLengthAsync(fleet.KeyPrefix + "order");
            }
            else if (producing.IsCompleted)
            {
                // Sent, and taken before a look saw it (a loaded machine can sleep past the 20 ms it waits): counted
                // now instead, later than it reached its list, which only makes the bound below looser.
                finishedBefore = await records.ListLengthAsync(fleet.KeyPrefix + "order");
            }
            else
            {
                await Task.Delay(1);
            }
        }
        Assert.True(finishedBefore >= 0, "the priority-10 message was not sent within 30 s");
        var urgent = (await producing)[0];
        await Fleet.WaitForAsync(async () => await records.SetContainsAsync(fleet.KeyPrefix + "done", urgent), TimeSpan.FromSeconds(60), "the priority-10 task");
        var position = await records.ExecuteAsync("LPOS", fleet.KeyPrefix + "order", urgent);
        // One slot: the task running when it arrived finishes, then it runs (at most one more was already in hand).
        Assert.True((long)position <= finishedBefore + 2, $"priority 10 ran as number {(long)position + 1}, with {finishedBefore} finished when it was sent");
        Assert.True(await records.ListLengthAsync(fleet.KeyPrefix + "order") < 900, "the backlog was nearly done anyway; the test proves nothing");
    }
}
