using Afirgen.TaskProcessor.Engine.Results;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Redis.Results;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Tests.Results;

[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisResultStoreTests(RedisFixture redis)
{
    private RedisResultStore Store(TimeSpan? expires = null, bool extended = false) => new(
        redis.Connection,
        Options.Create(new RedisOptions()),
        Options.Create(new ResultOptions { Expires = expires ?? TimeSpan.FromDays(1), Extended = extended }));

    private static TaskResultMeta Success(string id) => new()
    {
        TaskId = id,
        Status = TaskStates.Success,
        Result = new JsonObject { ["fir_id"] = "FIR-2026-0001", ["sent"] = true },
        DateDone = new DateTimeOffset(2026, 11, 24, 6, 42, 57, 157, TimeSpan.Zero).AddTicks(740),
    };

    [Fact]
    public async Task Store_WritesCeleryKeyAndFormat_WithTheExpiry()
    {
        var id = Guid.NewGuid().ToString();
        await Store().StoreAsync(Success(id), CancellationToken.None);

        var db = redis.Connection.GetDatabase();
        var key = "celery-task-meta-" + id;
        var stored = JsonNode.Parse((string)(await db.StringGetAsync(key))!)!.AsObject();
        var sample = JsonNode.Parse(WireSamples.Read("results-redis-backend.json"))!["celery-task-meta-5b7f0c1e-0000-4000-8000-000000000001"]!["value"]!.AsObject();

        Assert.Equal(sample.Select(p => p.Key).Order(), stored.Select(p => p.Key).Order());
        Assert.Equal("SUCCESS", stored["status"]!.GetValue<string>());
        Assert.Equal("2026-11-24T06:42:57.157074", stored["date_done"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(sample["result"], stored["result"]));
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value.TotalSeconds, 86_390, 86_400);
    }

    [Fact]
    public async Task AKeyPrefix_PrefixesTheResultAndTheRevocation_ForEveryStep()
    {
        await using var store = new RedisResultStore(redis.Connection, Options.Create(new RedisOptions { KeyPrefix = "app1:" }), Options.Create(new ResultOptions()));
        var db = redis.Connection.GetDatabase();
        var stored = Guid.NewGuid().ToString();
        var revoked = Guid.NewGuid().ToString();
        var fresh = Guid.NewGuid().ToString();

        await store.StoreAsync(Success(stored), CancellationToken.None);
        await db.StringSetAsync($"app1:afirgen-revoked:{{app1:celery-task-meta-{revoked}}}", "{}");

        Assert.Equal("SUCCESS", JsonNode.Parse((string)(await db.StringGetAsync("app1:celery-task-meta-" + stored))!)!["status"]!.GetValue<string>());
        Assert.False(await db.KeyExistsAsync("celery-task-meta-" + stored));
        Assert.Equal(TaskStates.Success, (await store.BeginAsync(stored, null, CancellationToken.None)).Finished?.Status);
        Assert.True((await store.BeginAsync(revoked, null, CancellationToken.None)).Revoked);
        Assert.True(await store.IsRevokedAsync(revoked, CancellationToken.None));
        Assert.True((await store.BeginAsync(fresh, new TaskResultMeta { TaskId = fresh, Status = TaskStates.Started }, CancellationToken.None)).MayRun);
        Assert.Equal("STARTED", JsonNode.Parse((string)(await db.StringGetAsync("app1:celery-task-meta-" + fresh))!)!["status"]!.GetValue<string>());
        Assert.Equal(TaskStates.Started, (await store.GetAsync(fresh, CancellationToken.None))?.Status);
    }

    [Fact]
    public async Task Store_PublishesOnTheKeysChannel_ForAsyncResultGet()
    {
        var id = Guid.NewGuid().ToString();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = redis.Connection.GetSubscriber();
        var channel = RedisChannel.Literal("celery-task-meta-" + id);
        await subscriber.SubscribeAsync(channel, (_, value) => received.TrySetResult(value!));
        try
        {
            await Store().StoreAsync(Success(id), CancellationToken.None);
            var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("SUCCESS", JsonNode.Parse(message)!["status"]!.GetValue<string>());
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel);
        }
    }

    [Fact]
    public async Task Store_WritesExtendedFields_WhenEnabled()
    {
        var id = Guid.NewGuid().ToString();
        await Store(extended: true).StoreAsync(Success(id) with
        {
            Extended = new ExtendedResultFields("afirgen_tasks.email.send_fir_confirmation", ["FIR-1"], new JsonObject { ["x"] = 1 }, "w@h", 2, "email"),
        }, CancellationToken.None);
        var stored = JsonNode.Parse((string)(await redis.Connection.GetDatabase().StringGetAsync("celery-task-meta-" + id))!)!;
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", stored["name"]!.GetValue<string>());
        Assert.Equal(2, stored["retries"]!.GetValue<int>());
        Assert.Equal("email", stored["queue"]!.GetValue<string>());
        Assert.Equal("w@h", stored["worker"]!.GetValue<string>());
    }

    [Fact]
    public async Task Begin_ReturnsTheTerminalResult_AndLeavesItAlone()
    {
        var id = Guid.NewGuid().ToString();
        var store = Store();
        await store.StoreAsync(Success(id), CancellationToken.None);
        var existing = (await store.BeginAsync(id, new TaskResultMeta { TaskId = id, Status = TaskStates.Started }, CancellationToken.None)).Finished;
        Assert.NotNull(existing);
        Assert.Equal(TaskStates.Success, existing.Status);
        Assert.Equal(TaskStates.Success, (await store.GetAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Begin_StoresStarted_OverARetry()
    {
        var id = Guid.NewGuid().ToString();
        var store = Store();
        await store.StoreAsync(new TaskResultMeta { TaskId = id, Status = TaskStates.Retry }, CancellationToken.None);
        var existing = (await store.BeginAsync(id, new TaskResultMeta { TaskId = id, Status = TaskStates.Started }, CancellationToken.None)).Finished;
        Assert.Null(existing);
        Assert.Equal(TaskStates.Started, (await store.GetAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Get_ReturnsNull_ForAnIdNeverStored()
    {
        Assert.Null(await Store().GetAsync(Guid.NewGuid().ToString(), CancellationToken.None));
    }

    [Fact]
    public async Task Store_ThrowsUnavailable_WhenRedisIsDown()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var store = new RedisResultStore(connection, Options.Create(new RedisOptions()), Options.Create(new ResultOptions()));
        await server.StopAsync();

        var ex = await Assert.ThrowsAsync<ResultStoreUnavailableException>(() => store.StoreAsync(Success("down-1"), CancellationToken.None));
        Assert.Contains("could not be reached while handling task down-1", ex.Message);
    }

    [Fact]
    public async Task RevokeAndBegin_WorkOnAClusteredRedis_BecauseTheRevocationSharesTheResultsHashSlot()
    {
        await using var cluster = await RedisServer.StartClusterAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        await using var store = new RedisResultStore(connection, Options.Create(new RedisOptions { KeyPrefix = "afirgen:" }), Options.Create(new ResultOptions()));

        var ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid().ToString()).ToArray();
        foreach (var id in ids.Take(25))
        {
            Assert.Null(await store.RevokeAsync(new TaskResultMeta { TaskId = id, Status = TaskStates.Revoked }, TimeSpan.FromMinutes(5), CancellationToken.None));
            // Drop the REVOKED result: the revocation on its own must stop the run.
            await connection.GetDatabase().KeyDeleteAsync("afirgen:celery-task-meta-" + id);
        }
        var begun = await Task.WhenAll(ids.Select(id => store.BeginAsync(id, new TaskResultMeta { TaskId = id, Status = TaskStates.Started }, CancellationToken.None)));

        Assert.All(begun.Take(25), b => Assert.True(b.Revoked));
        Assert.All(begun.Skip(25), b => Assert.True(b.MayRun));
        Assert.True(await store.IsRevokedAsync(ids[0], CancellationToken.None));
        Assert.False(await store.IsRevokedAsync(ids[49], CancellationToken.None));
    }

    [Fact]
    public async Task Store_GroupsConcurrentWrites_AndFallsBackToOneKeyPerCall_OnAClusteredRedis()
    {
        // Azure Managed Redis is clustered: a script over keys in different hash slots is refused there.
        await using var cluster = await RedisServer.StartClusterAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        await using var store = new RedisResultStore(connection, Options.Create(new RedisOptions()), Options.Create(new ResultOptions()));

        var ids = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid().ToString()).ToArray();
        await Task.WhenAll(ids.Select(id => store.StoreAsync(Success(id), CancellationToken.None)));
        var begun = await Task.WhenAll(ids.Select(id => store.BeginAsync(id, new TaskResultMeta { TaskId = id, Status = TaskStates.Started }, CancellationToken.None)));

        Assert.True(store.WritesOneKeyPerCall);
        Assert.All(begun, b => Assert.Equal(TaskStates.Success, b.Finished!.Status));
        foreach (var id in ids)
        {
            Assert.Equal(TaskStates.Success, (await store.GetAsync(id, CancellationToken.None))!.Status);
        }
    }

    [Fact]
    public async Task Store_GroupsConcurrentWrites_OnAPlainRedis()
    {
        await using var store = new RedisResultStore(redis.Connection, Options.Create(new RedisOptions()), Options.Create(new ResultOptions()));
        var ids = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid().ToString()).ToArray();
        await Task.WhenAll(ids.Select(id => store.StoreAsync(Success(id), CancellationToken.None)));

        Assert.False(store.WritesOneKeyPerCall);
        var values = await redis.Connection.GetDatabase().StringGetAsync(ids.Select(id => (RedisKey)("celery-task-meta-" + id)).ToArray());
        Assert.All(values, v => Assert.Contains("SUCCESS", (string)v!));
    }

    [Fact]
    public async Task ReleaseStarted_PutsARunsOwnStartedBackToPending_ButNotAResultThatMovedOn()
    {
        var store = Store(extended: true);
        var id = Guid.NewGuid().ToString();
        var started = new TaskResultMeta
        {
            TaskId = id, Status = TaskStates.Started,
            Extended = new ExtendedResultFields("diagnostics.sleep", [], [], "worker-a@test", 0, "default"),
        };
        var pending = new TaskResultMeta { TaskId = id, Status = TaskStates.Pending };
        Assert.True((await store.BeginAsync(id, started, CancellationToken.None)).MayRun);

        Assert.True(await store.ReleaseStartedAsync(started, pending, CancellationToken.None));
        Assert.Equal(TaskStates.Pending, (await store.GetAsync(id, CancellationToken.None))!.Status);

        // A redelivery on another worker has started it meanwhile: its STARTED is not ours to release.
        var theirs = started with { Extended = started.Extended! with { Worker = "worker-b@test" } };
        Assert.True((await store.BeginAsync(id, theirs, CancellationToken.None)).MayRun);
        Assert.False(await store.ReleaseStartedAsync(started, pending, CancellationToken.None));
        Assert.Equal("worker-b@test", (await store.GetAsync(id, CancellationToken.None))!.Extended!.Worker);

        // Nor is a finished result.
        await store.StoreAsync(Success(id), CancellationToken.None);
        Assert.False(await store.ReleaseStartedAsync(theirs, pending, CancellationToken.None));
        Assert.Equal(TaskStates.Success, (await store.GetAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Begin_InBatches_FindsEachTasksOwnResultAndRevocation_OnAPlainRedis()
    {
        await using var store = new RedisResultStore(redis.Connection, Options.Create(new RedisOptions()), Options.Create(new ResultOptions()));
        var ids = Enumerable.Range(0, 300).Select(_ => Guid.NewGuid().ToString()).ToArray();
        // Every third finished, every third revoked (with no result of its own), the rest new.
        await Task.WhenAll(ids.Where((_, i) => i % 3 == 0).Select(id => store.StoreAsync(Success(id), CancellationToken.None)));
        foreach (var id in ids.Where((_, i) => i % 3 == 1))
        {
            await store.RevokeAsync(new TaskResultMeta { TaskId = id, Status = TaskStates.Revoked }, TimeSpan.FromMinutes(5), CancellationToken.None);
            await redis.Connection.GetDatabase().KeyDeleteAsync("celery-task-meta-" + id);
        }

        var begun = await Task.WhenAll(ids.Select(id => store.BeginAsync(id, new TaskResultMeta { TaskId = id, Status = TaskStates.Started }, CancellationToken.None)));

        Assert.All(begun.Where((_, i) => i % 3 == 0), b => Assert.Equal(TaskStates.Success, b.Finished!.Status));
        Assert.All(begun.Where((_, i) => i % 3 == 1), b => Assert.True(b.Revoked));
        Assert.All(begun.Where((_, i) => i % 3 == 2), b => Assert.True(b.MayRun));
    }

    [Fact]
    public async Task OneBatch_ABeginAfterAStoreOfTheSameTask_SeesThatResult()
    {
        // The result script as one batch carries it: the store, then the begin of another delivery of the same task, then
        // a begin of a revoked task and one of a new task. The begin after the store must find the result (not run twice),
        // which a batch that read every begin's result before writing any would miss.
        var db = redis.Connection.GetDatabase();
        string same = "celery-task-meta-" + Guid.NewGuid(), revoked = "celery-task-meta-" + Guid.NewGuid(), fresh = "celery-task-meta-" + Guid.NewGuid();
        await db.StringSetAsync("afirgen-revoked:{" + revoked + "}", "1");
        const string Json = """{"status": "SUCCESS", "result": 1}""";

        var answers = (RedisValue[])(await db.ScriptEvaluateAsync(RedisWriteBatcher.Script,
            [same, "afirgen-revoked:{" + same + "}", same, "afirgen-revoked:{" + same + "}", revoked, "afirgen-revoked:{" + revoked + "}",
                fresh, "afirgen-revoked:{" + fresh + "}"],
            [60, "S", Json, "B", "", "B", "", "B", """{"status": "STARTED"}"""]))!;

        Assert.Equal(["", Json, "revoked", ""], answers.Select(a => (string)a!));
        Assert.Equal(Json, (string)(await db.StringGetAsync(same))!);
        Assert.False(await db.KeyExistsAsync(revoked));
        Assert.Contains("STARTED", (string)(await db.StringGetAsync(fresh))!);
    }
}
