using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Cleanup;

/// <summary>clear_expired_cache on the real Redis, cleanup_temp_files on Azurite, and the cleanup schedule running all three.</summary>
[Collection(AfirgenServersCollectionDefinition.Name)]
public sealed class CacheAndTempFileTaskTests(AfirgenServers servers) : IAsyncLifetime
{
    private TaskHarness _h = null!;

    public async Task InitializeAsync()
    {
        var db = await servers.MariaDb.CreateDatabaseAsync("cleanup_tasks");
        await FirRecordsSchema.CreateAsync(db);
        _h = TaskHarness.Create(servers, "cleanup", db, cacheDatabase: 5);
        await _h.FlushCacheAsync(servers);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task ClearExpiredCache_RemovesOnlyAfirgenKeysLeftWithoutExpiry()
    {
        await _h.Cache.StringSetAsync("fir:record:1", "stale");
        await _h.Cache.StringSetAsync("kb:query:abc", "stale");
        await _h.Cache.StringSetAsync("fir:record:2", "fresh", TimeSpan.FromMinutes(5));
        await _h.Cache.StringSetAsync("violation:check:9", "fresh", TimeSpan.FromMinutes(5));
        await _h.Cache.StringSetAsync("sessions:user:1", "not ours");
        await _h.Cache.StringSetAsync("analytics:dashboard:current", "not a cache namespace");

        var first = Results.Success(await _h.RunAsync(AfirgenTaskNames.ClearExpiredCache));
        var second = Results.Success(await _h.RunAsync(AfirgenTaskNames.ClearExpiredCache));

        Assert.Equal(["status", "message", "entries_cleared"], first.Select(p => p.Key));
        Assert.Equal(2, (int)first["entries_cleared"]!);
        Assert.Equal(0, (int)second["entries_cleared"]!);
        Assert.False(await _h.Cache.KeyExistsAsync("fir:record:1"));
        Assert.False(await _h.Cache.KeyExistsAsync("kb:query:abc"));
        Assert.True(await _h.Cache.KeyExistsAsync("fir:record:2"));
        Assert.True(await _h.Cache.KeyExistsAsync("violation:check:9"));
        Assert.True(await _h.Cache.KeyExistsAsync("sessions:user:1"));
        Assert.True(await _h.Cache.KeyExistsAsync("analytics:dashboard:current"));
    }

    [Fact]
    public async Task CleanupTempFiles_DeletesOnlyTemporaryBlobsOlderThanMaxAge()
    {
        var container = _h.Container(_h.ReportsContainer);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("tmp/excel/a/1.xlsx").UploadAsync(BinaryData.FromString("a"), overwrite: true);
        await container.GetBlobClient("tmp/excel/b/2.xlsx").UploadAsync(BinaryData.FromString("b"), overwrite: true);
        await container.GetBlobClient("pdf/FIR-1/standard.pdf").UploadAsync(BinaryData.FromString("p"), overwrite: true);

        _h.Time.Advance(TimeSpan.FromHours(23));
        var young = Results.Success(await _h.RunAsync(AfirgenTaskNames.CleanupTempFiles));
        _h.Time.Advance(TimeSpan.FromHours(2));
        var old = Results.Success(await _h.RunAsync(AfirgenTaskNames.CleanupTempFiles, new JsonObject { ["max_age_hours"] = 24 }));

        Assert.Equal(["status", "message", "max_age_hours", "files_deleted"], old.Select(p => p.Key));
        Assert.Equal(0, (int)young["files_deleted"]!);
        Assert.Equal(2, (int)old["files_deleted"]!);
        Assert.Equal(24, (int)old["max_age_hours"]!);
        Assert.False(await container.GetBlobClient("tmp/excel/a/1.xlsx").ExistsAsync());
        Assert.True(await container.GetBlobClient("pdf/FIR-1/standard.pdf").ExistsAsync());
    }

    [Fact]
    public async Task CleanupTempFiles_WithNegativeMaxAge_FailsAtOnce()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.CleanupTempFiles, new JsonObject { ["max_age_hours"] = -5 });

        Assert.Contains("max_age_hours must be 0 or more", Results.Failure(meta));
    }

    [Fact]
    public async Task TheCleanupSchedule_EnqueuesTheThreeTasks_AndEachRunsWithItsDefaults()
    {
        var enqueuer = ActivatorUtilities.CreateInstance<ScheduledTaskEnqueuer>(_h.Services,
            Microsoft.Extensions.Options.Options.Create(CleanupSchedule.CreateOptions()));
        var published = await enqueuer.EnqueueOccurrenceAsync(_h.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(
            new[] { AfirgenTaskNames.ArchiveOldRecords, AfirgenTaskNames.ClearExpiredCache, AfirgenTaskNames.CleanupTempFiles }.Order(StringComparer.Ordinal),
            published.Select(p => p.TaskName).Order(StringComparer.Ordinal));
        foreach (var task in published)
        {
            Assert.Equal("cleanup", task.Queue);
        }
        var results = new List<JsonObject>();
        foreach (var _ in published)
        {
            var delivery = await _h.Broker.ReceiveAsync("cleanup", 1, CancellationToken.None);
            await _h.Services.GetRequiredService<Engine.Running.TaskRunner>().RunAsync(delivery[0], CancellationToken.None);
        }
        foreach (var task in published)
        {
            results.Add(Results.Success((await _h.Results.GetAsync(task.TaskId, CancellationToken.None))!));
        }
        Assert.Contains(results, r => (int?)r["days_old"] == 365);
        Assert.Contains(results, r => (int?)r["max_age_hours"] == 24);
    }
}
