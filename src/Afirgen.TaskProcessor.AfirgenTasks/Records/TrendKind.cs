namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>What process_data's <c>data_type</c> aggregates, per day.</summary>
public enum TrendKind
{
    /// <summary><c>fir_created</c>: FIRs by the day they were created, per status.</summary>
    Created,

    /// <summary><c>fir_finalized</c>: FIRs by the day they were finalized.</summary>
    Finalized,
}
