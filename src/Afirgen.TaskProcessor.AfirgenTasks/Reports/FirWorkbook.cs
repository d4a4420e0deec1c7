using Afirgen.TaskProcessor.AfirgenTasks.Records;
using ClosedXML.Excel;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// One worksheet, a heading row and one row per FIR, in the order asked for (ClosedXML). Headings are for
/// the station's staff, not AFIRGen's column names; times are in the station's zone, which the headings
/// name. AFIRGen's internal ids come last, marked as such. Column widths are set, not measured: ClosedXML
/// 0.95's AdjustToContents needs libgdiplus, absent on Linux hosts.
/// </summary>
public static class FirWorkbook
{
    public const string SheetName = "FIRs";

    /// <summary>The heading row, left to right, with the zone's label (<c>IST</c>) in the time columns' headings.</summary>
    public static IReadOnlyList<string> Headings(string zone) =>
    [
        "FIR number", "Status", $"Registered ({zone})", $"Finalized ({zone})", "Police station", "District", "Acts and sections",
        "Place of occurrence", "Complainant", "Complaint", "Session id (internal)", "User id (internal)",
    ];

    private static readonly double[] Widths = [24, 12, 18, 18, 22, 16, 28, 28, 22, 80, 24, 18];

    /// <summary>Excel refuses cells longer than 32,767 characters.</summary>
    private const int MaxCellLength = 32_000;

    public static byte[] Write(IReadOnlyList<FirRecord> firs, string reportName, DateTimeOffset generatedAt, StationTime time)
    {
        using var workbook = new XLWorkbook();
        workbook.Properties.Title = reportName;
        workbook.Properties.Author = "AFIRGen task processor";
        workbook.Properties.Created = generatedAt.UtcDateTime;
        var sheet = workbook.Worksheets.Add(SheetName);

        var headings = Headings(time.Label(generatedAt));
        for (var c = 0; c < headings.Count; c++)
        {
            sheet.Cell(1, c + 1).Value = headings[c];
            sheet.Column(c + 1).Width = Widths[c];
        }
        sheet.Row(1).Style.Font.Bold = true;
        sheet.SheetView.FreezeRows(1);

        var row = 2;
        foreach (var fir in firs)
        {
            var form = FirFormReader.Read(fir, time);
            sheet.Cell(row, 1).SetValue(fir.FirNumber);
            sheet.Cell(row, 2).SetValue(fir.Status);
            sheet.Cell(row, 3).SetValue(time.Local(fir.CreatedAt));
            if (fir.FinalizedAt is { } finalized)
            {
                sheet.Cell(row, 4).SetValue(time.Local(finalized));
            }
            sheet.Cell(row, 5).SetValue(form.PoliceStation ?? "");
            sheet.Cell(row, 6).SetValue(form.District ?? "");
            sheet.Cell(row, 7).SetValue(string.Join("; ", new[] { form.Acts, form.Sections }.Where(s => s is not null)));
            sheet.Cell(row, 8).SetValue(form.Place ?? "");
            sheet.Cell(row, 9).SetValue(form.ComplainantName ?? "");
            var complaint = fir.ComplaintText ?? "";
            sheet.Cell(row, 10).SetValue(complaint.Length > MaxCellLength ? complaint[..MaxCellLength] + " …" : complaint);
            sheet.Cell(row, 11).SetValue(fir.SessionId ?? "");
            sheet.Cell(row, 12).SetValue(fir.UserId ?? "");
            row++;
        }
        // Day first, as the station writes dates.
        sheet.Range(2, 3, Math.Max(2, row - 1), 4).Style.NumberFormat.Format = "dd/mm/yyyy hh:mm";

        using var output = new MemoryStream();
        workbook.SaveAs(output);
        return output.ToArray();
    }
}
