namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>How many FIRs of one status fall on one day (UTC).</summary>
public sealed record DailyCount(DateOnly Day, string Status, long Count);
