using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests;

/// <summary>
/// The real servers the AFIRGen tasks talk to, started together once per test run: MariaDB (AFIRGen's
/// MySQL), Azurite (Blob Storage), aiosmtpd (SMTP) and redis-server (results and AFIRGen's cache).
/// Test classes keep apart by their own database, containers, Redis key prefix and cache database.
/// </summary>
public sealed class AfirgenServers : IAsyncLifetime
{
    public MariaDbServer MariaDb { get; private set; } = null!;
    public AzuriteServer Azurite { get; private set; } = null!;
    public SmtpServer Smtp { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;
    public IConnectionMultiplexer RedisConnection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var mariaDb = MariaDbServer.StartAsync();
        var azurite = AzuriteServer.StartAsync();
        var smtp = SmtpServer.StartAsync();
        var redis = RedisServer.StartAsync();
        try
        {
            await Task.WhenAll(mariaDb, azurite, smtp, redis);
        }
        finally
        {
            // Keep whatever did start, so DisposeAsync stops it even when another failed.
            MariaDb = mariaDb.IsCompletedSuccessfully ? await mariaDb : null!;
            Azurite = azurite.IsCompletedSuccessfully ? await azurite : null!;
            Smtp = smtp.IsCompletedSuccessfully ? await smtp : null!;
            Redis = redis.IsCompletedSuccessfully ? await redis : null!;
        }
        // Admin mode: tests empty their own cache database with FLUSHDB.
        RedisConnection = await ConnectionMultiplexer.ConnectAsync(Redis.Configuration + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        if (RedisConnection is not null) await RedisConnection.DisposeAsync();
        foreach (var server in new IAsyncDisposable?[] { MariaDb, Azurite, Smtp, Redis })
        {
            if (server is not null) await server.DisposeAsync();
        }
    }
}

/// <summary>Tests that share <see cref="AfirgenServers"/>.</summary>
[CollectionDefinition(Name)]
public sealed class AfirgenServersCollectionDefinition : ICollectionFixture<AfirgenServers>
{
    public const string Name = "AFIRGen servers";
}
