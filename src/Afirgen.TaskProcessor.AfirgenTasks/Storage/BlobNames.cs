using System.Text;
using Afirgen.TaskProcessor.AfirgenTasks.Reports;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary>Where each task's blobs go. Names are derived from the input (and task id), never random, so repeats overwrite.</summary>
public static class BlobNames
{
    public static string Pdf(string firNumber, ReportType type) => $"pdf/{Segment(firNumber)}/{type.Name()}.pdf";

    public static string Excel(string temporaryPrefix, string reportName, string taskId) => $"{temporaryPrefix}excel/{reportName}/{Segment(taskId)}.xlsx";

    /// <summary>
    /// One archive blob per run, named by task id alone (not by date): a run repeated after a crash, even
    /// past midnight, overwrites its own blob instead of leaving a second copy.
    /// </summary>
    public static string Archive(string taskId) => $"archive/{Segment(taskId)}.jsonl.gz";

    /// <summary>A report name as it may appear in a blob name: letters, digits, '-', '_' and '.'; at most 100 characters.</summary>
    public static string ReportName(string? name)
    {
        var value = string.IsNullOrWhiteSpace(name) ? "fir_report" : name.Trim();
        if (value.Length > 100 || value.StartsWith('.') || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new PermanentTaskException("report_name may hold only letters, digits, '-', '_' and '.', at most 100 characters, not starting with '.'.");
        }
        return value;
    }

    /// <summary>A FIR number or id as one path segment: '/' and other characters outside a safe set become '_'.</summary>
    public static string Segment(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }
        return builder.ToString().TrimStart('.');
    }

    /// <summary>Blob metadata values must be ASCII.</summary>
    public static string MetadataSafe(string value) => new(value.Select(c => c is >= ' ' and <= '~' ? c : '_').ToArray());
}
