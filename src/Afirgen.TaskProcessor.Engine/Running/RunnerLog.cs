using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>The runner's log events (ids 1000–1099). Ids, names and queues only: never arguments or bodies.</summary>
internal static partial class RunnerLog
{
    [LoggerMessage(1000, LogLevel.Warning, "Dead-lettered message {MessageId} from queue {Queue}: {Reason}: {Description}")]
    public static partial void DeadLettered(ILogger logger, string messageId, string queue, string reason, string description);

    [LoggerMessage(1001, LogLevel.Information, "Task {TaskId} ({TaskName}) already finished as {Status}; settled redelivered message {MessageId} without running it again")]
    public static partial void AlreadyFinished(ILogger logger, string taskId, string taskName, string status, string messageId);

    [LoggerMessage(1002, LogLevel.Information, "Task {TaskId} ({TaskName}) expired at {Expires}; stored REVOKED")]
    public static partial void Expired(ILogger logger, string taskId, string taskName, DateTimeOffset expires);

    [LoggerMessage(1003, LogLevel.Debug, "Task {TaskId} ({TaskName}) is due at {Eta}; handed back to the broker until then")]
    public static partial void Deferred(ILogger logger, string taskId, string taskName, DateTimeOffset eta);

    [LoggerMessage(1004, LogLevel.Warning, "Task {TaskId} ({TaskName}) failed with {ExceptionType}; retry {Retry} of {MaxRetries} in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, string taskId, string taskName, string exceptionType, int retry, int maxRetries, TimeSpan delay);

    [LoggerMessage(1005, LogLevel.Error, "Task {TaskId} ({TaskName}) failed for good after {Retries} retries: {Reason}")]
    public static partial void Failed(ILogger logger, Exception? exception, string taskId, string taskName, int retries, string reason);

    [LoggerMessage(1006, LogLevel.Error, "Task {TaskId} ({TaskName}) ran past its hard time limit of {Limit}; stored FAILURE. Its handler ignored cancellation and may still be running")]
    public static partial void HardTimeLimit(ILogger logger, string taskId, string taskName, TimeSpan limit);

    [LoggerMessage(1007, LogLevel.Warning, "Message {MessageId} from queue {Queue} abandoned for redelivery: {Why}")]
    public static partial void Abandoned(ILogger logger, Exception? exception, string messageId, string queue, string why);

    [LoggerMessage(1008, LogLevel.Warning, "The lock on message {MessageId} from queue {Queue} was lost before it could be settled; the broker will redeliver it")]
    public static partial void LockLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(1009, LogLevel.Error, "Settling message {MessageId} from queue {Queue} failed; the broker will redeliver it when its lock expires")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(1010, LogLevel.Debug, "Task {TaskId} ({TaskName}) succeeded")]
    public static partial void Succeeded(ILogger logger, string taskId, string taskName);

    [LoggerMessage(1011, LogLevel.Error, "Enqueuing the follow-up {FollowUpTaskName} of task {TaskId} failed; the message is abandoned so the follow-up is sent again on redelivery")]
    public static partial void FollowUpFailed(ILogger logger, Exception exception, string followUpTaskName, string taskId);

    [LoggerMessage(1012, LogLevel.Warning, "Task observer {Observer} failed for task {TaskId}; the task goes on unaffected")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string taskId);

    [LoggerMessage(1013, LogLevel.Information, "Task {TaskId} ({TaskName}) was not run to its end: {Reason}; REVOKED stored and the message completed")]
    public static partial void Revoked(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(1014, LogLevel.Information, "Task {TaskId} ({TaskName}) attempt after {Retries} retries was redelivered as message {MessageId}, but its retry was already scheduled; settled without running it again")]
    public static partial void SupersededByRetry(ILogger logger, string taskId, string taskName, int retries, string messageId);

    [LoggerMessage(1015, LogLevel.Warning, "Task {TaskId} was given back to the broker, but its STARTED result could not be set back to PENDING; it shows STARTED until the task runs again")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(1016, LogLevel.Warning, "Task {TaskId} finished, but its {Status} could not be stored yet ({Reason}); trying again, holding its message meanwhile")]
    public static partial void OutcomeStoreRetrying(ILogger logger, string taskId, string status, string reason);

    [LoggerMessage(1017, LogLevel.Information, "Chord {GroupId} complete: its body {BodyId} ({BodyName}) was sent with {Count} results")]
    public static partial void ChordBodySent(ILogger logger, string groupId, string bodyId, string bodyName, int count);

    [LoggerMessage(1018, LogLevel.Warning, "Chord {GroupId} failed: its body {BodyId} stored FAILURE ({Error})")]
    public static partial void ChordFailed(ILogger logger, string groupId, string bodyId, string error);

    [LoggerMessage(1019, LogLevel.Error, "Chord {GroupId} cannot complete: {Reason}")]
    public static partial void ChordUnsupported(ILogger logger, string groupId, string reason);
}
