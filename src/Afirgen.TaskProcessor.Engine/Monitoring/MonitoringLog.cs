using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>Log events of monitoring (ids 1600–1699).</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(1600, LogLevel.Warning, "Writing monitoring state (heartbeat, task index) failed; tasks run on, and the next write tries again")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(1601, LogLevel.Information, "Monitoring state is written again")]
    public static partial void WriteRecovered(ILogger logger);

    [LoggerMessage(1602, LogLevel.Warning, "{Dropped} task events were dropped from the task index because its writer could not keep up")]
    public static partial void EventsDropped(ILogger logger, long dropped);
}
