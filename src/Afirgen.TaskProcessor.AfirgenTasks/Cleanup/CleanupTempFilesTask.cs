using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>
/// <c>cleanup_temp_files(max_age_hours=24)</c>: deletes the reports container's temporary blobs (under
/// <c>Afirgen:Storage:TemporaryPrefix</c>, where Excel exports go) last written more than
/// <c>max_age_hours</c> ago. PDFs and archives are never under that prefix. Result: <c>max_age_hours</c>, <c>files_deleted</c>.
/// </summary>
public sealed class CleanupTempFilesTask(IBlobStore blobs, IOptions<StorageOptions> storage, TimeProvider time, ILogger<CleanupTempFilesTask> logger) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var maxAgeHours = context.Get<double>("max_age_hours");
        if (maxAgeHours < 0 || double.IsNaN(maxAgeHours))
        {
            throw new PermanentTaskException($"max_age_hours must be 0 or more; got {maxAgeHours}.");
        }
        var prefix = storage.Value.TemporaryPrefix;
        if (string.IsNullOrEmpty(prefix))
        {
            // An empty prefix would make every report a temporary file.
            throw new PermanentTaskException("Afirgen:Storage:TemporaryPrefix is empty, so no blob is known to be temporary; set it (default tmp/).");
        }
        var cutoff = time.GetUtcNow().AddHours(-maxAgeHours);
        var container = storage.Value.ReportsContainer;

        var old = new List<StoredBlob>();
        await foreach (var blob in blobs.ListAsync(container, prefix, context.CancellationToken).ConfigureAwait(false))
        {
            if (blob.LastModified < cutoff) old.Add(blob);
        }
        var deleted = 0;
        foreach (var blob in old)
        {
            if (await blobs.DeleteAsync(container, blob.Name, context.CancellationToken).ConfigureAwait(false)) deleted++;
        }
        CleanupLog.TempFilesDeleted(logger, context.TaskId, deleted, maxAgeHours);
        return TaskResult.Success($"Deleted {deleted} temporary files older than {maxAgeHours} hours",
            new JsonObject
            {
                // 24, not 24.0, when the caller passed a whole number, as Python would echo it.
                ["max_age_hours"] = maxAgeHours % 1 == 0 ? JsonValue.Create((long)maxAgeHours) : JsonValue.Create(maxAgeHours),
                ["files_deleted"] = deleted,
            });
    }
}
