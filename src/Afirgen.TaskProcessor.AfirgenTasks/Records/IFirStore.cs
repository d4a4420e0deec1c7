namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// Reads AFIRGen's FIRs. Read-only: AFIRGen owns <c>fir_records</c> and its schema. Implemented on MySQL
/// (<see cref="MySqlFirStore"/>) and, for the local demo only, on sample data.
/// </summary>
public interface IFirStore
{
    /// <summary>The FIR with this <c>fir_number</c>, or null.</summary>
    Task<FirRecord?> FindAsync(string firNumber, CancellationToken cancellationToken);

    /// <summary>The FIRs among <paramref name="firNumbers"/> that exist, in no particular order.</summary>
    Task<IReadOnlyList<FirRecord>> FindManyAsync(IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken);

    /// <summary>Counts by status and by period, as of <paramref name="now"/>.</summary>
    Task<FirStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Per-day, per-status counts of FIRs created (or finalized) from <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    Task<IReadOnlyList<DailyCount>> GetDailyCountsAsync(TrendKind kind, DateOnly first, DateOnly last, CancellationToken cancellationToken);
}
