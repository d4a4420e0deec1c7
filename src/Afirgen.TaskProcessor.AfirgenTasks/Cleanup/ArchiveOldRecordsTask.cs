using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>
/// <c>archive_old_records(days_old=365)</c>: copies finalized FIRs finalized more than <c>days_old</c> days ago
/// (and not archived yet) to one gzip JSON-lines blob per run in the archive container, checks the stored
/// blob against its SHA-256, and only then records them as archived in the processor's own table. It never
/// deletes or changes a FIR: removing archived rows from AFIRGen's table is left to AFIRGen.
/// Idempotent: a run repeated with the same task id finds its record and does nothing again; a run cut
/// short before recording overwrites its own blob. Result: <c>days_old</c>, <c>records_archived</c>.
/// </summary>
public sealed class ArchiveOldRecordsTask(
    IArchiveLedger ledger, IBlobStore blobs, IOptions<StorageOptions> storage, IOptions<DatabaseOptions> database,
    TimeProvider time, ILogger<ArchiveOldRecordsTask> logger) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var daysOld = context.Get<int>("days_old");
        if (daysOld < 0)
        {
            throw new PermanentTaskException($"days_old must be 0 or more; got {daysOld}.");
        }
        var container = storage.Value.ArchiveContainer;
        var ct = context.CancellationToken;

        if (await ledger.FindRunAsync(context.TaskId, ct).ConfigureAwait(false) is { } done)
        {
            CleanupLog.AlreadyArchived(logger, context.TaskId, done.RecordCount, $"{container}/{done.BlobName}");
            return Result(daysOld, done.RecordCount);
        }

        var cutoff = time.GetUtcNow().AddDays(-daysOld);
        var candidates = await ledger.FindUnarchivedAsync(cutoff, database.Value.MaxRecordsPerArchive, ct).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            CleanupLog.NothingToArchive(logger, context.TaskId, cutoff);
            return Result(daysOld, 0);
        }

        var (content, sha256) = ArchiveFile.Create(candidates.Select(c => c.Row));
        var name = BlobNames.Archive(context.TaskId);
        await blobs.UploadAsync(container, name, content, "application/gzip", new Dictionary<string, string>
        {
            ["sha256"] = sha256,
            ["record_count"] = candidates.Count.ToString(CultureInfo.InvariantCulture),
            ["task_id"] = context.TaskId,
            ["finalized_before"] = cutoff.ToString("O"),
            ["format"] = "jsonl+gzip",
        }, ct).ConfigureAwait(false);

        // Confirm what the store holds, not what was sent: the FIRs are marked only if the blob reads back intact.
        var stored = await blobs.DownloadAsync(container, name, ct).ConfigureAwait(false);
        if (stored is null || ArchiveFile.Sha256(stored) != sha256)
        {
            throw new IOException($"The archive blob {container}/{name} did not read back with the checksum just written; no FIR was marked archived, the run will be retried.");
        }

        var run = new ArchiveRun(context.TaskId, name, sha256, candidates.Count);
        // Not cancelled by the soft limit: the blob is safe, and recording it is one short transaction.
        await ledger.MarkArchivedAsync(run, candidates.Select(c => c.FirNumber).ToList(), CancellationToken.None).ConfigureAwait(false);
        CleanupLog.Archived(logger, context.TaskId, candidates.Count, cutoff, $"{container}/{name}", sha256);
        return Result(daysOld, candidates.Count);
    }

    private static JsonObject Result(int daysOld, int archived) =>
        TaskResult.Success($"Archived {archived} records older than {daysOld} days",
            new JsonObject { ["days_old"] = daysOld, ["records_archived"] = archived });
}
