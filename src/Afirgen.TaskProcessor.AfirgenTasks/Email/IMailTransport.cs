using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>Sends a composed message: over SMTP (<see cref="SmtpMailTransport"/>) or, for the local demo only, into a folder.</summary>
public interface IMailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}
