namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>The <c>fir_records.status</c> values the tasks give a meaning to; others are counted as they are.</summary>
public static class FirStatuses
{
    /// <summary>Started, not yet finalized: the dashboard's "pending".</summary>
    public const string Pending = "pending";

    /// <summary>Finalized (and <c>finalized_at</c> set): the dashboard's "completed", and what archival copies.</summary>
    public const string Finalized = "finalized";
}
