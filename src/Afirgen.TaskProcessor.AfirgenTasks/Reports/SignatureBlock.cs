namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>A signature block: its caption under the signing line, then labelled fields (null: blank); its item number, if any, in the margin.</summary>
internal sealed record SignatureBlock(string Caption, IReadOnlyList<(string Label, string? Value)> Fields, string? Number = null);
