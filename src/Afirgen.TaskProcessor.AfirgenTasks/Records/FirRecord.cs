namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// One row of AFIRGen's <c>fir_records</c>, the columns the tasks use. <see cref="ComplaintText"/> and
/// <see cref="FirContent"/> are sensitive: they go into reports and archives, never into logs or results.
/// </summary>
public sealed record FirRecord(
    string FirNumber,
    string? SessionId,
    string? UserId,
    string Status,
    string? ComplaintText,
    string? FirContent,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinalizedAt);
