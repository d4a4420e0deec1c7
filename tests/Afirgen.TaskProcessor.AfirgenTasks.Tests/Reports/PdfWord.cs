namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>A word pdftotext found, with its box in points from the page's top left.</summary>
public sealed record PdfWord(int Page, string Text, double XMin, double YMin, double XMax, double YMax)
{
    public bool Overlaps(PdfWord other, double tolerance = 0.5) =>
        Page == other.Page
        && XMin + tolerance < other.XMax && other.XMin + tolerance < XMax
        && YMin + tolerance < other.YMax && other.YMin + tolerance < YMax;
}
