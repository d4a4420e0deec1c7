using Azure.Identity;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>A credential that fails: said in the log, retried with back-off, and never the app's end.</summary>
public sealed class CredentialFailureTests
{
    [Fact]
    public async Task Start_WhenTheCredentialFails_StartsAnyway_AndConnectsOnceATokenComes()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        credential.FailNext(2); // the start-up attempt and the first retry

        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);
        await app.Logs.WaitAsync(Events.TokenStillMissing);
        await app.Logs.WaitAsync(Events.Waiting);

        var startup = Assert.Single(app.Logs.Records(Events.FirstTokenFailed));
        Assert.IsType<CredentialUnavailableException>(startup.Exception);
        Assert.Contains("Could not get an Entra ID token for Redis at start-up", startup.Message, StringComparison.Ordinal);
        Assert.Contains("keeps trying", startup.Message, StringComparison.Ordinal);
        var retry = Assert.Single(app.Logs.Records(Events.TokenStillMissing));
        Assert.Contains("trying again in 00:00:01", retry.Message, StringComparison.Ordinal);
        Assert.Empty(credential.Tokens);

        time.Advance(TimeSpan.FromSeconds(1));
        await app.Logs.WaitAsync(Events.Reconnecting);
        // Said as the reconnect begins; on a busy machine the new connection has taken longer than a command's 2 s
        // timeout, so the command waits for the connection rather than racing it.
        await WaitUntilConnectedAsync(app.Multiplexer, TimeSpan.FromSeconds(20));

        Assert.Single(credential.Tokens);
        Assert.Equal(objectId, (string?)await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
    }

    private static async Task WaitUntilConnectedAsync(StackExchange.Redis.IConnectionMultiplexer multiplexer, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!multiplexer.IsConnected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Redis was not connected {within.TotalSeconds} s after the first token came.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Refresh_WhenTheCredentialFails_KeepsTheCurrentToken_AndRetriesWithBackOff()
    {
        await using var redis = await AclRedis.StartAsync();
        var time = TestClock.Create();
        var objectId = TestClock.NewObjectId();
        var credential = new FakeEntraIdCredential(time, objectId, TestClock.TokenLifetime, token => redis.Allow(objectId, token));
        await using var app = await EntraIdRedisApp.StartAsync(redis, credential, time);
        await app.Logs.WaitAsync(Events.Waiting);

        credential.FailNext(2);
        time.Advance(TestClock.TokenLifetime * EntraIdRedisConnection.RefreshAfterLifetimeShare);
        await app.Logs.WaitAsync(Events.Waiting, 2);
        Assert.Equal(objectId, (string?)await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI")); // the current token still serves
        time.Advance(TimeSpan.FromSeconds(1));
        await app.Logs.WaitAsync(Events.Waiting, 3);
        time.Advance(TimeSpan.FromSeconds(2));
        await app.Logs.WaitAsync(Events.Reauthenticated);

        var failures = app.Logs.Records(Events.TokenRefreshFailed);
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.IsType<CredentialUnavailableException>(f.Exception));
        Assert.Contains("trying again in 00:00:01", failures[0].Message, StringComparison.Ordinal);
        Assert.Contains("trying again in 00:00:02", failures[1].Message, StringComparison.Ordinal);
        Assert.All(failures, f => Assert.Contains($"valid until {TestClock.Start + TestClock.TokenLifetime:O}", f.Message, StringComparison.Ordinal));
        Assert.Equal(2, credential.Tokens.Count);
        Assert.Equal(objectId, (string?)await app.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
    }
}
