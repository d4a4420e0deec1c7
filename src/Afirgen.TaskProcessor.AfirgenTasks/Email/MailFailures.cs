using System.Net.Sockets;
using Afirgen.TaskProcessor.Engine.Registry;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// AFIRGen's retry rule for e-mail: network, timeout, "temporarily unavailable", rate-limit and
/// server-side errors retry; validation, authorization, not-found and malformed-data errors fail at once.
/// Not-found and validation failures are thrown as <see cref="PermanentTaskException"/> by the tasks.
/// </summary>
public static class MailFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        PermanentTaskException => false,
        // SMTP's own split: 4xx is "try again later" (greylisting, 421 busy, 452 full), 5xx is final
        // (550 no such mailbox, 553 address rejected).
        SmtpCommandException smtp => (int)smtp.StatusCode is >= 400 and < 500,
        AuthenticationException => false,
        SslHandshakeException => false,
        // The server lacks something the settings require (MailKit: "does not support the STARTTLS extension"):
        // a configuration error that no retry fixes.
        NotSupportedException => false,
        SmtpProtocolException or ServiceNotConnectedException or ProtocolException => true,
        SocketException or IOException or TimeoutException => true,
        MySqlException mysql => mysql.IsTransient || mysql.ErrorCode is MySqlErrorCode.UnableToConnectToHost,
        OperationCanceledException => true,
        // Malformed data: retrying sends the same bytes again.
        ArgumentException or FormatException or ParseException => false,
        // Anything else (a bug, an unforeseen fault) gets the policy's few retries: the issue asks e-mail
        // to retry on any failure that is not known to be final.
        _ => true,
    };
}
