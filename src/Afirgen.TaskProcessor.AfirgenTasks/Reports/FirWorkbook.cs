using Afirgen.TaskProcessor.AfirgenTasks.Records;
using ClosedXML.Excel;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// One worksheet, a header row and one row per FIR, in the order asked for (ClosedXML). Column widths
/// are set, not measured: ClosedXML 0.95's AdjustToContents needs libgdiplus, absent on Linux hosts.
/// </summary>
public static class FirWorkbook
{
    public const string SheetName = "FIRs";

    /// <summary>The header row, left to right.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["fir_number", "status", "user_id", "session_id", "created_at (UTC)", "finalized_at (UTC)", "complaint_text"];

    private static readonly double[] Widths = [22, 14, 18, 24, 18, 18, 80];

    /// <summary>Excel refuses cells longer than 32,767 characters.</summary>
    private const int MaxCellLength = 32_000;

    public static byte[] Write(IReadOnlyList<FirRecord> firs, string reportName, DateTimeOffset generatedAt)
    {
        using var workbook = new XLWorkbook();
        workbook.Properties.Title = reportName;
        workbook.Properties.Author = "AFIRGen task processor";
        workbook.Properties.Created = generatedAt.UtcDateTime;
        var sheet = workbook.Worksheets.Add(SheetName);

        for (var c = 0; c < Columns.Count; c++)
        {
            sheet.Cell(1, c + 1).Value = Columns[c];
            sheet.Column(c + 1).Width = Widths[c];
        }
        sheet.Row(1).Style.Font.Bold = true;
        sheet.SheetView.FreezeRows(1);

        var row = 2;
        foreach (var fir in firs)
        {
            sheet.Cell(row, 1).SetValue(fir.FirNumber);
            sheet.Cell(row, 2).SetValue(fir.Status);
            sheet.Cell(row, 3).SetValue(fir.UserId ?? "");
            sheet.Cell(row, 4).SetValue(fir.SessionId ?? "");
            sheet.Cell(row, 5).SetValue(fir.CreatedAt.UtcDateTime);
            if (fir.FinalizedAt is { } finalized)
            {
                sheet.Cell(row, 6).SetValue(finalized.UtcDateTime);
            }
            var complaint = fir.ComplaintText ?? "";
            sheet.Cell(row, 7).SetValue(complaint.Length > MaxCellLength ? complaint[..MaxCellLength] + " …" : complaint);
            row++;
        }
        sheet.Range(2, 5, Math.Max(2, row - 1), 6).Style.NumberFormat.Format = "yyyy-mm-dd hh:mm";

        using var output = new MemoryStream();
        workbook.SaveAs(output);
        return output.ToArray();
    }
}
