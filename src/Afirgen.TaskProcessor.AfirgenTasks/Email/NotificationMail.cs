using System.Net;
using Afirgen.TaskProcessor.Engine.Registry;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>A generic notification: the caller's subject and plain-text body, with an HTML rendering of the same text.</summary>
public static class NotificationMail
{
    /// <summary>The longest subject accepted (RFC 5322 recommends lines under 78 characters; 255 leaves room for real use).</summary>
    public const int MaxSubjectLength = 255;

    public static MimeMessage Compose(MailboxAddress from, MailboxAddress to, string? subject, string? body)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            throw new PermanentTaskException("subject is empty: pass the notification's subject line.");
        }
        if (subject.Length > MaxSubjectLength || subject.Contains('\r') || subject.Contains('\n'))
        {
            throw new PermanentTaskException($"subject must be one line of at most {MaxSubjectLength} characters.");
        }
        if (body is null)
        {
            throw new PermanentTaskException("body is missing: pass the notification's text (it may be empty).");
        }

        var html = $"<!DOCTYPE html><html><body style=\"font-family: sans-serif\"><p>{WebUtility.HtmlEncode(body).ReplaceLineEndings("<br>")}</p></body></html>";
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(to);
        message.Subject = subject;
        message.Body = new BodyBuilder { TextBody = body, HtmlBody = html }.ToMessageBody();
        return message;
    }
}
