using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// Sends over SMTP with MailKit, one connection per message: mail is rare enough that a pooled
/// connection would only add idle-timeout failures. The server's certificate is checked against the
/// machine's trusted roots and its name (MailKit's default); with <see cref="SmtpSecurity.StartTls"/> a server
/// that offers no STARTTLS is refused, never written to in plain text.
/// </summary>
public sealed class SmtpMailTransport : IMailTransport
{
    private readonly IOptions<SmtpOptions> _options;
    private readonly RemoteCertificateValidationCallback? _certificateValidation;

    public SmtpMailTransport(IOptions<SmtpOptions> options) : this(options, null)
    {
    }

    /// <summary>For tests: <paramref name="certificateValidation"/> replaces the trust decision (a test server's self-signed certificate).</summary>
    internal SmtpMailTransport(IOptions<SmtpOptions> options, RemoteCertificateValidationCallback? certificateValidation)
    {
        _options = options;
        _certificateValidation = certificateValidation;
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var o = _options.Value;
        using var client = new SmtpClient { Timeout = (int)o.Timeout.TotalMilliseconds };
        if (_certificateValidation is not null)
        {
            client.ServerCertificateValidationCallback = _certificateValidation;
        }
        await client.ConnectAsync(o.Host ?? throw new InvalidOperationException("Afirgen:Smtp:Host is not set."), o.Port, o.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        }, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(o.UserName))
        {
            await client.AuthenticateAsync(o.UserName, o.Password ?? "", cancellationToken).ConfigureAwait(false);
        }
        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }
}
