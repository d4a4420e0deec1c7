using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>Report log events (5200–5299): ids, counts and blob paths, no FIR content.</summary>
internal static partial class ReportsLog
{
    [LoggerMessage(5200, LogLevel.Information, "Task {TaskId} wrote the {ReportType} PDF of FIR {FirNumber} to {BlobPath} ({Bytes} bytes)")]
    public static partial void PdfWritten(ILogger logger, string taskId, string reportType, string firNumber, string blobPath, int bytes);

    [LoggerMessage(5201, LogLevel.Information, "Task {TaskId} wrote a workbook of {FirCount} FIRs to {BlobPath} ({Bytes} bytes)")]
    public static partial void WorkbookWritten(ILogger logger, string taskId, int firCount, string blobPath, int bytes);
}
