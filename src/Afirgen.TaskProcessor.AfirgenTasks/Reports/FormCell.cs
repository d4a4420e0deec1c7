namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>One labelled cell of a <see cref="PdfTextFlow.Row(FormCell[])"/>; a null value is a blank to fill in.</summary>
internal sealed record FormCell(string Label, string? Value, double Weight = 1);
