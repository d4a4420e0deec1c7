using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Analytics;

/// <summary>Analytics log events (5300–5399).</summary>
internal static partial class AnalyticsLog
{
    [LoggerMessage(5300, LogLevel.Information, "Task {TaskId} wrote the dashboard snapshot to {Key} ({Total} FIRs)")]
    public static partial void DashboardWritten(ILogger logger, string taskId, string key, long total);

    [LoggerMessage(5301, LogLevel.Information, "Task {TaskId} wrote the {DataType} trend to {Key} ({Records} FIRs over {Days} days)")]
    public static partial void TrendWritten(ILogger logger, string taskId, string dataType, string key, long records, int days);
}
