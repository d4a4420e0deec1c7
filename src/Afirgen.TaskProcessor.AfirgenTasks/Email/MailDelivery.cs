using Afirgen.TaskProcessor.AfirgenTasks.Privacy;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// Sends a task's mail at most once per task id. The ledger is checked before sending and written right
/// after, and the Message-ID is derived from the task id: if a worker dies in the instant between the
/// SMTP server accepting the mail and the ledger write, the one duplicate that can result carries the same
/// Message-ID, which mail clients and archives recognise as the same message. (Exactly-once is not
/// possible over SMTP; this narrows the window to that instant.)
/// </summary>
public sealed class MailDelivery(IMailTransport transport, ISentMailLedger ledger, IOptions<SmtpOptions> options, ILogger<MailDelivery> logger)
{
    /// <summary>The sender configured in <c>Afirgen:Smtp:From</c>.</summary>
    public MailboxAddress From => MailboxAddress.Parse(options.Value.From);

    /// <summary>The Message-ID (without brackets) of the mail task <paramref name="taskId"/> sends.</summary>
    public static string MessageIdFor(string taskId) => $"{taskId}@afirgen-tasks";

    /// <summary>Sends <paramref name="message"/> unless this task id already did; true when it was sent now.</summary>
    public async Task<bool> SendOnceAsync(TaskContext context, MimeMessage message, string recipient)
    {
        var masked = EmailMask.Mask(recipient);
        if (await ledger.WasSentAsync(context.TaskId, context.CancellationToken).ConfigureAwait(false))
        {
            EmailLog.AlreadySent(logger, context.TaskId, masked);
            return false;
        }
        message.MessageId = MessageIdFor(context.TaskId);
        try
        {
            await transport.SendAsync(message, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The type only: SMTP replies can echo the address back.
            EmailLog.SendFailed(logger, context.TaskId, masked, e.GetType().Name);
            throw;
        }
        // Recorded without the task's token: the mail is out, so the record must not be skipped by a soft limit firing now.
        await ledger.RecordSentAsync(context.TaskId, message.MessageId, CancellationToken.None).ConfigureAwait(false);
        EmailLog.Sent(logger, context.TaskId, masked, message.MessageId);
        return true;
    }
}
