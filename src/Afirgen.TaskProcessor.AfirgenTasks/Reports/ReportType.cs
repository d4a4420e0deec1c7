using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>generate_pdf's <c>report_type</c>: how much of the FIR the PDF shows.</summary>
public enum ReportType
{
    /// <summary><c>summary</c>: one page of the form's essentials (station, number, acts, occurrence, parties) and the start of the complaint; not for filing.</summary>
    Summary,

    /// <summary><c>standard</c> (the default): the whole of Form IF1, filled where AFIRGen's data says, with blanks and signature blocks; the FIR to file.</summary>
    Standard,

    /// <summary><c>detailed</c>: the standard form, with AFIRGen's internal ids (session, user) and processing times in every page's footer.</summary>
    Detailed,
}

/// <summary>Reads the <c>report_type</c> argument.</summary>
public static class ReportTypes
{
    public static ReportType Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "standard" => ReportType.Standard,
        "detailed" => ReportType.Detailed,
        "summary" => ReportType.Summary,
        _ => throw new PermanentTaskException($"report_type '{value}' is not one of standard, detailed, summary."),
    };

    public static string Name(this ReportType type) => type.ToString().ToLowerInvariant();
}
