using System.Net.Security;
using Afirgen.TaskProcessor.AfirgenTasks.Email;
using Afirgen.TaskProcessor.Testing;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Email;

/// <summary>
/// The SMTP transport against real aiosmtpd servers that require AUTH, with and without STARTTLS: the production
/// default (STARTTLS on 587 with a user name) delivers, and every way it can be misconfigured fails at once (not
/// retried, as AFIRGen's rule says for authorization errors) with nothing sent.
/// </summary>
public sealed class SmtpSecurityTests : IAsyncLifetime
{
    private const string User = "afirgen-relay";
    private const string Password = "relay-secret";
    private SmtpServer _tls = null!;
    private SmtpServer _plain = null!;

    public async Task InitializeAsync()
    {
        var tls = SmtpServer.StartSecureAsync(User, Password, startTls: true);
        var plain = SmtpServer.StartSecureAsync(User, Password, startTls: false);
        try
        {
            await Task.WhenAll(tls, plain);
        }
        finally
        {
            _tls = tls.IsCompletedSuccessfully ? await tls : null!;
            _plain = plain.IsCompletedSuccessfully ? await plain : null!;
        }
    }

    public async Task DisposeAsync()
    {
        if (_tls is not null) await _tls.DisposeAsync();
        if (_plain is not null) await _plain.DisposeAsync();
    }

    private static SmtpMailTransport Transport(SmtpServer server, SmtpSecurity security, string? password = Password, bool trustServer = true) =>
        new(Options.Create(new SmtpOptions
        {
            Host = SmtpServer.Host,
            Port = server.Port,
            Security = security,
            UserName = User,
            Password = password,
            Timeout = TimeSpan.FromSeconds(10),
        }),
        // The test server's certificate is self-signed: pinned here, as no machine trusts it. Without this the
        // transport's own check (MailKit's default, the machine's roots) decides, as in production.
        trustServer ? (_, certificate, _, _) => certificate is not null && server.Certificate is not null
            && certificate.GetCertHashString() == server.Certificate.GetCertHashString() : null);

    private static MimeMessage Mail(string to)
    {
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse("no-reply@afirgen.example"));
        mail.To.Add(MailboxAddress.Parse(to));
        mail.Subject = "FIR confirmation";
        mail.Body = new TextPart("plain") { Text = "Your FIR was registered." };
        return mail;
    }

    private static string NewAddress() => $"c{Guid.NewGuid():N}@example.org";

    [Fact]
    public async Task StartTlsWithAuth_TheProductionDefault_Delivers()
    {
        var to = NewAddress();
        await Transport(_tls, SmtpSecurity.StartTls).SendAsync(Mail(to), CancellationToken.None);

        // The server refuses every command but EHLO, NOOP and QUIT before STARTTLS, and AUTH before that: a delivered
        // mail went through both.
        var delivered = Assert.Single(_tls.MessagesTo(to));
        Assert.Equal("FIR confirmation", delivered.Subject);
    }

    [Fact]
    public Task AWrongPassword_FailsAsAnAuthenticationError_NotRetried_AndSendsNothing() =>
        RefusedAsync<AuthenticationException>(Transport(_tls, SmtpSecurity.StartTls, password: "wrong"), _tls);

    [Fact]
    public Task AnUntrustedServerCertificate_IsRefused_NotRetried_AndNothingIsSent() =>
        RefusedAsync<SslHandshakeException>(Transport(_tls, SmtpSecurity.StartTls, trustServer: false), _tls);

    [Fact]
    public async Task StartTlsWanted_FromAServerThatOffersNone_IsRefused_NotRetried_NeverSentInPlainText()
    {
        var error = await RefusedAsync<NotSupportedException>(Transport(_plain, SmtpSecurity.StartTls), _plain);
        Assert.Contains("STARTTLS", error.Message);
    }

    /// <summary>Sending through <paramref name="transport"/> fails with <typeparamref name="TException"/>, which is not retried, and <paramref name="server"/> got nothing.</summary>
    private static async Task<TException> RefusedAsync<TException>(SmtpMailTransport transport, SmtpServer server) where TException : Exception
    {
        var to = NewAddress();
        var error = await Assert.ThrowsAsync<TException>(() => transport.SendAsync(Mail(to), CancellationToken.None));
        Assert.False(MailFailures.IsTransient(error), $"{typeof(TException).Name} would be retried: {error.Message}");
        Assert.Empty(server.MessagesTo(to));
        return error;
    }

    [Fact]
    public async Task AuthWithoutTls_WhenConfiguredSo_Delivers()
    {
        // Security None is for a relay on the same host or network that takes AUTH in plain text.
        var to = NewAddress();
        await Transport(_plain, SmtpSecurity.None).SendAsync(Mail(to), CancellationToken.None);

        Assert.Single(_plain.MessagesTo(to));
    }
}
