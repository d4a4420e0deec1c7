using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>generate_pdf's <c>report_type</c>: how much of the FIR the PDF shows.</summary>
public enum ReportType
{
    /// <summary><c>summary</c>: the FIR's identity and state, and the start of the complaint.</summary>
    Summary,

    /// <summary><c>standard</c> (the default): identity, state and the FIR's content.</summary>
    Standard,

    /// <summary><c>detailed</c>: everything standard shows, plus the full complaint text and the session and user ids.</summary>
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
