using Afirgen.TaskProcessor.Engine.Results;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Redis.Results;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>The first connection: who it authenticates as, with what, and that the engine uses it.</summary>
public sealed class ConnectTests
{
    [Fact]
    public async Task Start_AuthenticatesAsTheTokensObjectId_WithTheTokenAsPassword()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);

        var whoAmI = await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI");

        Assert.Equal(objectId, (string?)whoAmI);
        Assert.Equal([EntraIdRedisConnection.Scope], credential.Scopes.Distinct());
        Assert.Single(credential.Tokens);
        // One RESP3 connection carries commands and pub/sub alike, so re-authenticating it renews the subscriptions too.
        var connection = Assert.Single(await redis.ClientsAsync(objectId));
        Assert.Equal(3, connection.Resp);
    }

    [Fact]
    public async Task Start_GivesTheEngineThisConnection_ForItsResults()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);
        var taskId = Guid.NewGuid().ToString();

        var store = app.Services.GetRequiredService<IResultStore>();
        await store.StoreAsync(new TaskResultMeta { TaskId = taskId, Status = TaskStates.Success, Result = new JsonObject { ["sent"] = true }, DateDone = time.GetUtcNow() }, CancellationToken.None);

        Assert.Same(app.Services.GetRequiredService<EntraIdRedisConnection>().Multiplexer, app.Multiplexer);
        Assert.IsType<RedisResultStore>(store);
        Assert.Equal(TaskStates.Success, (await store.GetAsync(taskId, CancellationToken.None))?.Status);
        Assert.True(await redis.Admin.GetDatabase().KeyExistsAsync("celery-task-meta-" + taskId));
    }
}
