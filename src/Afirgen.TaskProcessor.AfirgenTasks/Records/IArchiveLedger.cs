namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// Which FIRs are safely archived, in a table the processor owns (<c>afirgen_tasks_archived_firs</c>);
/// AFIRGen's tables are never altered.
/// </summary>
public interface IArchiveLedger
{
    /// <summary>The run recorded under <paramref name="taskId"/>, or null when that run recorded nothing.</summary>
    Task<ArchiveRun?> FindRunAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Finalized FIRs finalized before <paramref name="finalizedBefore"/> and not yet archived, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ArchiveCandidate>> FindUnarchivedAsync(DateTimeOffset finalizedBefore, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="firNumbers"/> as archived in <paramref name="run"/>'s blob, in one transaction.
    /// Call only once the blob is confirmed stored. FIRs already recorded keep their first record.
    /// </summary>
    Task MarkArchivedAsync(ArchiveRun run, IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken);
}
