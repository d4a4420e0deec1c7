using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using Afirgen.TaskProcessor.Engine.Results;
using Azure.Storage.Blobs.Models;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Cleanup;

/// <summary>archive_old_records against MariaDB and Azurite: archived blobs versus marked rows.</summary>
[Collection(AfirgenServersCollectionDefinition.Name)]
public sealed class ArchiveTaskTests(AfirgenServers servers) : IAsyncLifetime
{
    private TaskHarness _h = null!;
    private string _db = null!;

    public async Task InitializeAsync()
    {
        _db = await servers.MariaDb.CreateDatabaseAsync("archive_tasks");
        await FirRecordsSchema.CreateAsync(_db);
        var now = DateTimeOffset.UtcNow;
        await FirRecordsSchema.InsertAsync(_db, "FIR-OLD-1", "finalized", now.AddDays(-800), now.AddDays(-700), complaint: "Old complaint one.");
        await FirRecordsSchema.InsertAsync(_db, "FIR-OLD-2", "finalized", now.AddDays(-500), now.AddDays(-400), complaint: "Old complaint two.");
        await FirRecordsSchema.InsertAsync(_db, "FIR-RECENT", "finalized", now.AddDays(-30), now.AddDays(-20));
        await FirRecordsSchema.InsertAsync(_db, "FIR-OLD-PENDING", "pending", now.AddDays(-900));
        _h = TaskHarness.Create(servers, "archive", _db, cacheDatabase: 4);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<List<(string Fir, string Task, string Blob, string Sha)>> MarksAsync()
    {
        await using var connection = new MySqlConnection(_db);
        await connection.OpenAsync();
        await using (var exists = new MySqlCommand("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'afirgen_tasks_archived_firs'", connection))
        {
            // The processor creates its table on first use; a run that failed on its input never got there.
            if (Convert.ToInt32(await exists.ExecuteScalarAsync()) == 0) return [];
        }
        await using var command = new MySqlCommand("SELECT fir_number, task_id, blob_name, blob_sha256 FROM afirgen_tasks_archived_firs ORDER BY fir_number", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var marks = new List<(string, string, string, string)>();
        while (await reader.ReadAsync()) marks.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return marks;
    }

    private async Task<List<BlobItem>> ArchiveBlobsAsync()
    {
        var container = _h.Container(_h.ArchiveContainer);
        var blobs = new List<BlobItem>();
        if (!await container.ExistsAsync()) return blobs;
        await foreach (var b in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, CancellationToken.None)) blobs.Add(b);
        return blobs;
    }

    [Fact]
    public async Task Archive_CopiesOldFinalizedFirsToOneChecksummedBlob_ThenMarksExactlyThose()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.ArchiveOldRecords, new JsonObject { ["days_old"] = 365 });

        var result = Results.Success(meta);
        Assert.Equal(["status", "message", "days_old", "records_archived"], result.Select(p => p.Key));
        Assert.Equal(2, (int)result["records_archived"]!);

        var blob = Assert.Single(await ArchiveBlobsAsync());
        Assert.Equal($"archive/{meta.TaskId}.jsonl.gz", blob.Name);
        var content = (await _h.Container(_h.ArchiveContainer).GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
        var sha = ArchiveFile.Sha256(content);
        Assert.Equal(sha, blob.Metadata["sha256"]);

        var rows = ArchiveFile.Read(content);
        Assert.Equal(["FIR-OLD-1", "FIR-OLD-2"], rows.Select(r => (string?)r["fir_number"]));
        Assert.Equal("Old complaint one.", (string?)rows[0]["complaint_text"]);
        // Every column of the row, even ones the tasks never read.
        Assert.True(rows[0].ContainsKey("violations_json"));
        Assert.True(rows[0].ContainsKey("id"));

        var marks = await MarksAsync();
        Assert.Equal(rows.Select(r => (string)r["fir_number"]!), marks.Select(m => m.Fir));
        Assert.All(marks, m => Assert.Equal((meta.TaskId, blob.Name, sha), (m.Task, m.Blob, m.Sha)));
        // AFIRGen's table is untouched: nothing deleted or hidden.
        Assert.Equal(4, await FirRecordsSchema.ScalarAsync<int>(_db, "SELECT COUNT(*) FROM fir_records"));
    }

    [Fact]
    public async Task Archive_RunAgainWithTheSameTaskId_DoesNotDuplicate_AndALaterRunFindsNothingLeft()
    {
        var first = await _h.RunAsync(AfirgenTaskNames.ArchiveOldRecords, new JsonObject { ["days_old"] = 365 });
        var again = await _h.RunAgainAfterCrashAsync(AfirgenTaskNames.ArchiveOldRecords, new JsonObject { ["days_old"] = 365 }, first.TaskId);
        var later = await _h.RunAsync(AfirgenTaskNames.ArchiveOldRecords);

        Assert.Equal(2, (int)Results.Success(again)["records_archived"]!);
        Assert.Equal(0, (int)Results.Success(later)["records_archived"]!);
        Assert.Equal(365, (int)Results.Success(later)["days_old"]!);
        Assert.Single(await ArchiveBlobsAsync());
        Assert.Equal(2, (await MarksAsync()).Count);
    }

    [Fact]
    public async Task Archive_WhileBlobStorageIsDown_MarksNothing_AndRetriesUntilTheBlobIsSafe()
    {
        TaskResultMeta retry;
        await servers.Azurite.StopAsync();
        try
        {
            retry = await _h.RunAsync(AfirgenTaskNames.ArchiveOldRecords, new JsonObject { ["days_old"] = 365 });
        }
        finally
        {
            await servers.Azurite.StartAgainAsync();
        }
        Assert.Equal(TaskStates.Retry, retry.Status);
        Assert.Empty(await MarksAsync());

        // The policy's first back-off: 60 s ± 20 %.
        _h.Time.Advance(TimeSpan.FromSeconds(73));
        var done = await _h.RunNextAsync("cleanup", retry.TaskId);

        Assert.Equal(2, (int)Results.Success(done)["records_archived"]!);
        Assert.Equal(2, (await MarksAsync()).Count);
    }

    [Fact]
    public async Task Archive_WithNegativeDaysOld_FailsAtOnce()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.ArchiveOldRecords, new JsonObject { ["days_old"] = -1 });

        Assert.Contains("days_old must be 0 or more; got -1", Results.Failure(meta));
        Assert.Empty(await MarksAsync());
    }
}
