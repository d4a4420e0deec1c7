using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Redis.Results;

/// <summary>The Redis result store's log events (ids 1200–1299).</summary>
internal static partial class ResultsLog
{
    [LoggerMessage(1200, LogLevel.Warning, "The Redis server refused a result script across hash slots (a clustered Redis); result writes now go one key per call. Set TaskProcessor:Redis:GroupCommit to false to start that way")]
    public static partial void GroupCommitOff(ILogger logger, Exception exception);
}
