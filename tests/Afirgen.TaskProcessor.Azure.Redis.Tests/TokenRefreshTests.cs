using System.Threading.Channels;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>A new token before the current one expires: asked for in time, and put on the live connections.</summary>
public sealed class TokenRefreshTests
{
    private static readonly TimeSpan RefreshDue = TestClock.TokenLifetime * EntraIdRedisConnection.RefreshAfterLifetimeShare;

    [Fact]
    public async Task Refresh_ReauthenticatesTheLiveConnection_SoCommandsAndSubscriptionsOutliveTheOldToken()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);
        var channel = RedisChannel.Literal("refresh-" + objectId);
        var received = await SubscribeAsync(app.Multiplexer, channel);
        await app.Logs.WaitAsync(Events.Waiting);
        var before = await redis.ClientsAsync(objectId);
        var authCallsBefore = await redis.AuthCallsAsync();

        time.Advance(RefreshDue - TimeSpan.FromSeconds(1));
        Assert.Single(credential.Tokens); // not yet: three quarters of the lifetime have not passed
        time.Advance(TimeSpan.FromSeconds(1));
        await app.Logs.WaitAsync(Events.Reauthenticated);

        Assert.Equal(2, credential.Tokens.Count);
        var after = await redis.ClientsAsync(objectId);
        // The same connections, not new ones, each sent one AUTH: re-authenticated in place.
        Assert.Equal(before.Select(c => c.Id).Order(), after.Select(c => c.Id).Order());
        Assert.Equal(after.Count, await redis.AuthCallsAsync() - authCallsBefore);
        // ...and the subscriptions live on that very connection: none was left on the old token.
        var connection = Assert.Single(after);
        Assert.True(connection.Subscriptions >= 1);
        Assert.Equal(3, connection.Resp);

        await redis.RevokeAsync(objectId, credential.Tokens[0]);

        Assert.Equal(objectId, (string?)await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
        await app.Multiplexer.GetDatabase().StringSetAsync("refresh:" + objectId, "still here");
        Assert.Equal(1, await redis.Admin.GetSubscriber().PublishAsync(channel, "after the old token"));
        Assert.Equal("after the old token", await received.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Refresh_GivesReconnectsTheNewToken_OnceTheOldOneIsRefused()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);
        var channel = RedisChannel.Literal("reconnect-" + objectId);
        var received = await SubscribeAsync(app.Multiplexer, channel);
        await app.Logs.WaitAsync(Events.Waiting);
        time.Advance(RefreshDue);
        await app.Logs.WaitAsync(Events.Reauthenticated);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Multiplexer.ConnectionRestored += (_, _) => restored.TrySetResult();

        // What the server does when a token expires: refuse it, and close the connections that use it.
        await redis.RevokeAsync(objectId, credential.Tokens[0]);
        var before = await redis.ClientsAsync(objectId);
        await redis.KillConnectionsAsync(objectId);
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(objectId, (string?)await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
        var after = await redis.ClientsAsync(objectId);
        Assert.NotEmpty(after);
        Assert.Empty(after.Select(c => c.Id).Intersect(before.Select(c => c.Id)));
        // The subscription came back on the new connection by itself.
        Assert.Equal(1, await PublishUntilHeardAsync(redis.Admin, channel, "after reconnecting"));
        Assert.Equal("after reconnecting", await received.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<ChannelReader<string>> SubscribeAsync(IConnectionMultiplexer multiplexer, RedisChannel channel)
    {
        var messages = Channel.CreateUnbounded<string>();
        await multiplexer.GetSubscriber().SubscribeAsync(channel, (_, message) => messages.Writer.TryWrite(message!));
        return messages.Reader;
    }

    /// <summary>Resubscribing follows the reconnect by a moment: publish until a subscriber hears it.</summary>
    private static async Task<long> PublishUntilHeardAsync(ConnectionMultiplexer admin, RedisChannel channel, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var heard = await admin.GetSubscriber().PublishAsync(channel, message);
            if (heard > 0 || DateTime.UtcNow > deadline)
            {
                return heard;
            }
            await Task.Delay(50);
        }
    }
}
