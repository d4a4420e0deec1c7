using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Redis.Monitoring;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Redis.Tests.Monitoring;

/// <summary>The task index and instance registry in a real Redis (each test under its own key prefix).</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisMonitoringStoreTests(RedisFixture redis)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    private RedisMonitoringStore Store(string prefix, int maxIndexed = 100_000) => new(
        redis.Connection,
        Options.Create(new RedisOptions { KeyPrefix = prefix }),
        Options.Create(new ResultOptions { Expires = TimeSpan.FromHours(1) }),
        Options.Create(new MonitoringOptions { MaxIndexedTasks = maxIndexed }),
        _time);

    private static string Prefix() => $"t{Guid.NewGuid():N}:";

    private static TaskIndexEntry Update(string id, string state, DateTimeOffset at) => new(id, state, at);

    [Fact]
    public async Task Updates_MergeFields_AndALateOlderStateDoesNotOverwriteANewerOne()
    {
        var store = Store(Prefix());
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([
            Update("a", TaskStates.Started, t0.AddSeconds(1)) with { Name = "diagnostics.echo", Worker = "w1" },
            Update("a", TaskStates.Success, t0.AddSeconds(2)) with { Runtime = 1.5 },
        ], CancellationToken.None);
        // The producer's "sent" from another instance arrives last, but is older.
        await store.WriteTaskUpdatesAsync([Update("a", TaskStates.Pending, t0) with { Sent = t0 }], CancellationToken.None);

        var entry = await store.GetTaskAsync("a", CancellationToken.None);
        Assert.NotNull(entry);
        Assert.Equal(TaskStates.Success, entry.State);
        Assert.Equal(t0.AddSeconds(2), entry.Timestamp);
        Assert.Equal("diagnostics.echo", entry.Name);
        Assert.Equal("w1", entry.Worker);
        Assert.Equal(1.5, entry.Runtime);
        Assert.Equal(t0, entry.Sent);

        Assert.Empty(await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Started }, CancellationToken.None));
        Assert.Single(await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Success }, CancellationToken.None));
        Assert.Empty(await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Pending }, CancellationToken.None));
    }

    [Fact]
    public async Task AnEntryInThePreviousFormat_IsReadAndCarriedOn_WhenItsTaskMovesOn()
    {
        // An index written before entries became "<time>|<STATE>|" plus appended fields: one JSON object.
        var prefix = Prefix();
        var store = Store(prefix);
        var t0 = _time.GetUtcNow();
        var db = redis.Connection.GetDatabase();
        var legacy = $$"""{"state":"STARTED","timestamp":"{{TaskIndexFields.FormatTime(t0)}}","name":"legacy.task","worker":"w0"}""";
        await db.HashSetAsync(prefix + "{afirgen-monitor}:index", "old", legacy);
        await db.SortedSetAddAsync(prefix + "{afirgen-monitor}:tasks:STARTED", "old", t0.ToUnixTimeMilliseconds() / 1000.0);
        await db.SortedSetAddAsync(prefix + "{afirgen-monitor}:tasks", "old", t0.ToUnixTimeMilliseconds() / 1000.0);

        var before = await store.GetTaskAsync("old", CancellationToken.None);
        Assert.Equal((TaskStates.Started, "legacy.task", "w0"), (before!.State, before.Name, before.Worker));

        await store.WriteTaskUpdatesAsync([Update("old", TaskStates.Success, t0.AddSeconds(3)) with { Succeeded = t0.AddSeconds(3) }], CancellationToken.None);
        var after = await store.GetTaskAsync("old", CancellationToken.None);
        Assert.Equal((TaskStates.Success, "legacy.task", "w0", t0.AddSeconds(3)), (after!.State, after.Name, after.Worker, after.Succeeded));
        Assert.Empty(await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Started }, CancellationToken.None));
        Assert.Equal(["old"], (await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Success }, CancellationToken.None)).Select(e => e.TaskId));
    }

    [Fact]
    public async Task ABatchOfManyTasks_IsWrittenWhole_AndEachTaskKeepsItsOwnFields()
    {
        // More than the script's chunk sizes (500 ids per read, 1,000 values per write), in one call.
        var store = Store(Prefix());
        var t0 = _time.GetUtcNow();
        var updates = Enumerable.Range(0, 1_300).Select(i => Update($"task-{i}", i % 2 == 0 ? TaskStates.Success : TaskStates.Failure, t0.AddMilliseconds(i))
            with { Name = $"name-{i}", Worker = "w" }).ToArray();
        await store.WriteTaskUpdatesAsync(updates, CancellationToken.None);

        var failed = await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Failure, Limit = 2_000 }, CancellationToken.None);
        Assert.Equal(650, failed.Count);
        Assert.All(failed, e => Assert.Equal("name-" + e.TaskId["task-".Length..], e.Name));
        Assert.Equal(1_300, (await store.QueryTasksAsync(new TaskQuery { Limit = 2_000 }, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Query_FiltersByStateNameAndWorker_NewestFirst_AndPages()
    {
        var store = Store(Prefix());
        var t0 = _time.GetUtcNow();
        var updates = Enumerable.Range(0, 30).Select(i => Update($"t{i:00}", i % 3 == 0 ? TaskStates.Failure : TaskStates.Success, t0.AddSeconds(i)) with
            { Name = i % 2 == 0 ? "even" : "odd", Worker = i < 15 ? "w1" : "w2" }).ToArray();
        await store.WriteTaskUpdatesAsync(updates, CancellationToken.None);

        var newest = await store.QueryTasksAsync(new TaskQuery { Limit = 3 }, CancellationToken.None);
        Assert.Equal(["t29", "t28", "t27"], newest.Select(e => e.TaskId));
        var page = await store.QueryTasksAsync(new TaskQuery { Limit = 2, Offset = 2 }, CancellationToken.None);
        Assert.Equal(["t27", "t26"], page.Select(e => e.TaskId));

        var failedEven = await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Failure, TaskName = "even", Limit = 100 }, CancellationToken.None);
        Assert.Equal(["t24", "t18", "t12", "t06", "t00"], failedEven.Select(e => e.TaskId));
        var w1Odd = await store.QueryTasksAsync(new TaskQuery { TaskName = "odd", Worker = "w1", Limit = 100 }, CancellationToken.None);
        Assert.All(w1Odd, e => Assert.True(e.Worker == "w1" && e.Name == "odd"));
        Assert.Equal(7, w1Odd.Count);
        var byName = await store.QueryTasksAsync(new TaskQuery { SortBy = "-name", Limit = 1 }, CancellationToken.None);
        Assert.Equal("odd", byName.Single().Name);
    }

    [Fact]
    public async Task Query_FiltersByReceivedAndStartedTimes_IgnoringCase_AndByAFurtherCondition()
    {
        var store = Store(Prefix());
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([
            Update("early", TaskStates.Success, t0.AddMinutes(1)) with { Name = "Reports.Pdf", Worker = "W1", Received = t0, Started = t0.AddSeconds(1) },
            Update("late", TaskStates.Success, t0.AddMinutes(11)) with { Name = "reports.pdf", Worker = "w1", Received = t0.AddMinutes(10), Started = t0.AddMinutes(10) },
            // Never received: as in Flower, a time filter does not drop a task that lacks that time.
            Update("queued", TaskStates.Pending, t0.AddMinutes(12)) with { Name = "reports.pdf", Sent = t0.AddMinutes(12) },
        ], CancellationToken.None);

        async Task<string[]> IdsAsync(TaskQuery q) => (await store.QueryTasksAsync(q with { Limit = 100 }, CancellationToken.None)).Select(e => e.TaskId).ToArray();
        Assert.Equal(["queued", "late"], await IdsAsync(new TaskQuery { ReceivedFrom = t0.AddMinutes(5) }));
        Assert.Equal(["queued", "early"], await IdsAsync(new TaskQuery { ReceivedTo = t0.AddMinutes(5) }));
        Assert.Equal(["queued", "late"], await IdsAsync(new TaskQuery { StartedFrom = t0.AddMinutes(10), StartedTo = t0.AddMinutes(10) }));
        Assert.Equal(["late", "early"], await IdsAsync(new TaskQuery { TaskName = "REPORTS.PDF", Worker = "w1" }));
        Assert.Equal(["early"], await IdsAsync(new TaskQuery { State = TaskStates.Success, Where = e => e.Worker == "W1" }));
    }

    [Fact]
    public async Task Lineage_ParentRootAndChainAreStored_AndAParentListsItsStartedChildrenInOrder()
    {
        var prefix = Prefix();
        var store = Store(prefix, maxIndexed: 100);
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([
            Update("root", TaskStates.Started, t0) with { RootId = "root", Chain = [new("next", "tasks.b"), new("last", "tasks.c")] },
            Update("child-2", TaskStates.Started, t0.AddSeconds(2)) with { ParentId = "root", RootId = "root" },
            Update("child-1", TaskStates.Started, t0.AddSeconds(1)) with { ParentId = "root", RootId = "root" },
        ], CancellationToken.None);
        // A retry of child-1 starts it again later: it stays where it first started.
        await store.WriteTaskUpdatesAsync([Update("child-1", TaskStates.Started, t0.AddSeconds(3)) with { ParentId = "root", RootId = "root", Retries = 1 }], CancellationToken.None);

        var root = await store.GetTaskAsync("root", CancellationToken.None);
        Assert.Null(root!.ParentId);
        Assert.Equal("root", root.RootId);
        Assert.Equal([new("next", "tasks.b"), new("last", "tasks.c")], root.Chain);
        Assert.Equal(["child-1", "child-2"], root.Children);
        var child = await store.GetTaskAsync("child-2", CancellationToken.None);
        Assert.Equal(("root", "root"), (child!.ParentId, child.RootId));
        Assert.Empty(child.Children);
        Assert.Empty(child.Chain);
        var listed = await store.QueryTasksAsync(new TaskQuery { Limit = 100 }, CancellationToken.None);
        Assert.Equal(["child-1", "child-2"], listed.Single(e => e.TaskId == "root").Children);

        // Trimming the parent drops its children list with it.
        var childrenKey = prefix + "{afirgen-monitor}:children:root";
        Assert.True(await redis.Connection.GetDatabase().KeyExistsAsync(childrenKey));
        await store.WriteTaskUpdatesAsync(Enumerable.Range(0, 100).Select(i => Update($"n{i:000}", TaskStates.Success, t0.AddMinutes(1).AddMilliseconds(i))).ToArray(), CancellationToken.None);
        await store.TrimAsync(CancellationToken.None);
        Assert.Null(await store.GetTaskAsync("root", CancellationToken.None));
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(childrenKey));
    }

    [Fact]
    public async Task Throughput_CountsFinishedTasksPerTenSeconds()
    {
        var store = Store(Prefix());
        var t0 = new DateTimeOffset(2026, 11, 25, 11, 59, 30, TimeSpan.Zero);
        await store.WriteTaskUpdatesAsync([
            Update("a", TaskStates.Success, t0), Update("b", TaskStates.Success, t0.AddSeconds(1)),
            Update("c", TaskStates.Failure, t0.AddSeconds(2)), Update("d", TaskStates.Retry, t0.AddSeconds(12)),
            Update("e", TaskStates.Started, t0.AddSeconds(13)),
        ], CancellationToken.None);

        var buckets = await store.GetThroughputAsync(t0, CancellationToken.None);
        Assert.Equal(4, buckets.Count); // 11:59:30, :40, :50, 12:00:00
        Assert.Equal((2L, 1L, 0L), (buckets[0].Succeeded, buckets[0].Failed, buckets[0].Retried));
        Assert.Equal((0L, 0L, 1L), (buckets[1].Succeeded, buckets[1].Failed, buckets[1].Retried));
        Assert.All(buckets.Skip(2), b => Assert.Equal(0, b.Succeeded + b.Failed + b.Retried));
    }

    [Fact]
    public async Task Trim_WorksOffABacklogInBatches_SayingWhenMoreIsLeft_AndClearsEveryIndexOfWhatItDrops()
    {
        var prefix = Prefix();
        var store = Store(prefix, maxIndexed: 100);
        var t0 = _time.GetUtcNow();
        // Two full calls' worth and a bit over the cap: three calls. Half of them with a parent, so children's sets exist too.
        var total = 100 + 2 * RedisMonitoringStore.TrimBatch + RedisMonitoringStore.TrimBatch / 2;
        var updates = Enumerable.Range(0, total).Select(i => Update($"t{i:0000}", i % 3 == 0 ? TaskStates.Failure : TaskStates.Success, t0.AddMilliseconds(i))
            with { ParentId = i % 2 == 0 ? $"t{i + 1:0000}" : null }).ToArray();
        for (var start = 0; start < updates.Length; start += 500)
        {
            await store.WriteTaskUpdatesAsync(updates.Skip(start).Take(500).ToArray(), CancellationToken.None);
        }

        Assert.True(await store.TrimAsync(CancellationToken.None));
        Assert.True(await store.TrimAsync(CancellationToken.None));
        Assert.False(await store.TrimAsync(CancellationToken.None));
        Assert.False(await store.TrimAsync(CancellationToken.None));

        var db = redis.Connection.GetDatabase();
        var monitor = prefix + "{afirgen-monitor}:";
        Assert.Equal(100, await db.HashLengthAsync(monitor + "index"));
        Assert.Equal(100, await db.SortedSetLengthAsync(monitor + "tasks"));
        Assert.Equal(100, await db.SortedSetLengthAsync(monitor + "tasks:SUCCESS") + await db.SortedSetLengthAsync(monitor + "tasks:FAILURE"));
        Assert.Equal($"t{total - 100:0000}", (await store.QueryTasksAsync(new TaskQuery { Limit = 1_000 }, CancellationToken.None))[^1].TaskId);
        // A dropped parent's children go with it; a kept one's stay.
        Assert.False(await db.KeyExistsAsync(monitor + "children:t0001"));
        var lastParent = (total - 1) % 2 == 1 ? total - 1 : total - 2; // every even task's parent is the next one
        Assert.True(await db.KeyExistsAsync(monitor + $"children:t{lastParent:0000}"));
    }

    [Fact]
    public async Task Trim_DropsTasksBeyondTheCap_OldestFirst()
    {
        var store = Store(Prefix(), maxIndexed: 100);
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync(Enumerable.Range(0, 120).Select(i => Update($"t{i:000}", TaskStates.Success, t0.AddMilliseconds(i))).ToArray(), CancellationToken.None);
        await store.TrimAsync(CancellationToken.None);
        var all = await store.QueryTasksAsync(new TaskQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Equal(100, all.Count);
        Assert.Equal("t119", all[0].TaskId);
        Assert.Equal("t020", all[^1].TaskId);
    }

    [Fact]
    public async Task Instances_AreListedUntilTheirKeyExpires_AndRemovedOnACleanStop()
    {
        var store = Store(Prefix());
        var state = new InstanceState
        {
            Name = "w1@host", Hostname = "host", ProcessId = 42, Version = "1.0.0", StartedAt = _time.GetUtcNow(), HeartbeatAt = _time.GetUtcNow(),
            HeartbeatExpiry = TimeSpan.FromSeconds(10), LockDuration = TimeSpan.FromMinutes(1), Queues = ["email"], Concurrency = 4, PrefetchCount = 16,
            Active = [new ActiveTask("t1", "diagnostics.sleep", "email", 3, 0, 1, "t1", _time.GetUtcNow(), _time.GetUtcNow())],
            Reserved = [], Counters = new Dictionary<string, TaskCounters> { ["diagnostics.sleep"] = new(1, 0, 0, 0, 0) },
        };
        await store.PublishInstanceAsync(state, TimeSpan.FromMinutes(1), CancellationToken.None);
        var listed = Assert.Single(await store.GetInstancesAsync(CancellationToken.None));
        Assert.Equal("w1@host", listed.Name);
        Assert.Equal("t1", Assert.Single(listed.Active).TaskId);
        Assert.True(listed.IsAliveAt(_time.GetUtcNow().AddSeconds(10)));
        Assert.False(listed.IsAliveAt(_time.GetUtcNow().AddSeconds(11)));

        await store.RemoveInstanceAsync("w1@host", CancellationToken.None);
        Assert.Empty(await store.GetInstancesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OnAClusteredRedis_EveryKeyShareOneSlot_SoTheBatchScriptAndReadsWork()
    {
        await using var cluster = await RedisServer.StartClusterAsync();
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var store = new RedisMonitoringStore(connection, Options.Create(new RedisOptions()),
            Options.Create(new ResultOptions { Expires = TimeSpan.FromHours(1) }), Options.Create(new MonitoringOptions()), _time);
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([Update("a", TaskStates.Success, t0) with { Name = "x" }, Update("b", TaskStates.Failure, t0.AddSeconds(1))], CancellationToken.None);
        Assert.Equal(["b", "a"], (await store.QueryTasksAsync(new TaskQuery(), CancellationToken.None)).Select(e => e.TaskId));
        Assert.Equal("x", (await store.GetTaskAsync("a", CancellationToken.None))!.Name);
        await store.TrimAsync(CancellationToken.None);
    }
}
