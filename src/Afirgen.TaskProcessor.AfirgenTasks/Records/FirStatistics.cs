namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>Counts over <c>fir_records</c> for the dashboard.</summary>
/// <param name="ByStatus">FIRs per status value.</param>
/// <param name="CreatedToday">Created since midnight UTC.</param>
/// <param name="CreatedThisWeek">Created in the last 7 days.</param>
/// <param name="CreatedThisMonth">Created in the last 30 days.</param>
public sealed record FirStatistics(IReadOnlyDictionary<string, long> ByStatus, long CreatedToday, long CreatedThisWeek, long CreatedThisMonth)
{
    public long Total => ByStatus.Values.Sum();
    public long Pending => ByStatus.GetValueOrDefault(FirStatuses.Pending);
    public long Completed => ByStatus.GetValueOrDefault(FirStatuses.Finalized);
}
