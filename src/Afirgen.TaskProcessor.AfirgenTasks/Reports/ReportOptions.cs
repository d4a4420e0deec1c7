namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>How reports show times. Section <c>Afirgen:Reports</c>.</summary>
public sealed class ReportOptions
{
    public const string Section = "Afirgen:Reports";

    /// <summary>
    /// The police station's time zone, an IANA id (empty: Asia/Kolkata): every date and time on a PDF or in
    /// a workbook is shown in it, since an FIR records the station's local time, not UTC.
    /// </summary>
    public string TimeZone { get; set; } = StationTime.DefaultZone;

    /// <summary>
    /// How the zone is named on the page and in column headings; empty: the zone's own abbreviation
    /// (<c>IST</c> for Asia/Kolkata), or its UTC offset (<c>UTC+05:30</c>) where it has none.
    /// </summary>
    public string? TimeZoneLabel { get; set; }
}
