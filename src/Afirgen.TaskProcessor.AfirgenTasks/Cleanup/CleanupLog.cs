using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>Cleanup log events (5400–5499): counts, cut-offs and blob names.</summary>
internal static partial class CleanupLog
{
    [LoggerMessage(5400, LogLevel.Information, "Task {TaskId} archived {Count} FIRs finalized before {Cutoff:O} to {BlobPath} (sha256 {Sha256})")]
    public static partial void Archived(ILogger logger, string taskId, int count, DateTimeOffset cutoff, string blobPath, string sha256);

    [LoggerMessage(5401, LogLevel.Information, "Task {TaskId} already archived {Count} FIRs to {BlobPath}; nothing done again")]
    public static partial void AlreadyArchived(ILogger logger, string taskId, int count, string blobPath);

    [LoggerMessage(5402, LogLevel.Information, "Task {TaskId} found no FIRs finalized before {Cutoff:O} left to archive")]
    public static partial void NothingToArchive(ILogger logger, string taskId, DateTimeOffset cutoff);

    [LoggerMessage(5403, LogLevel.Information, "Task {TaskId} removed {Count} cache entries without an expiry under {Namespaces}")]
    public static partial void CacheCleared(ILogger logger, string taskId, long count, string namespaces);

    [LoggerMessage(5404, LogLevel.Information, "Task {TaskId} deleted {Count} temporary report blobs older than {MaxAgeHours} h")]
    public static partial void TempFilesDeleted(ILogger logger, string taskId, int count, double maxAgeHours);
}
