using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>E-mail log events (5100–5199). Recipients appear masked only; subjects and bodies never.</summary>
internal static partial class EmailLog
{
    [LoggerMessage(5100, LogLevel.Information, "Mail for task {TaskId} sent to {Recipient} as {MessageId}")]
    public static partial void Sent(ILogger logger, string taskId, string recipient, string messageId);

    [LoggerMessage(5101, LogLevel.Information, "Mail for task {TaskId} was already sent to {Recipient}; not sending it again")]
    public static partial void AlreadySent(ILogger logger, string taskId, string recipient);

    [LoggerMessage(5102, LogLevel.Warning, "Mail for task {TaskId} to {Recipient} could not be sent ({Error}); the task's retry policy decides what happens next")]
    public static partial void SendFailed(ILogger logger, string taskId, string recipient, string error);
}
