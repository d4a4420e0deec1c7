namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>What one archive run (one task id) recorded: where its blob is and how many FIRs it holds.</summary>
public sealed record ArchiveRun(string TaskId, string BlobName, string Sha256, int RecordCount);
