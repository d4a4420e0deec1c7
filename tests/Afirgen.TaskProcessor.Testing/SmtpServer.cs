using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real SMTP server (Debian's <c>python3-aiosmtpd</c>) on a free loopback port that stores every message
/// it receives in a Maildir, so tests read what was actually delivered over SMTP. aiosmtpd adds the
/// envelope as <c>X-MailFrom</c> and <c>X-RcptTo</c> headers.
/// </summary>
public sealed class SmtpServer : LocalServer
{
    private const string Python = "/usr/bin/python3";

    private readonly (string User, string Password)? _auth;

    private SmtpServer(int port, string directory, (string User, string Password)? auth = null, X509Certificate2? certificate = null)
        : base(port, directory)
    {
        _auth = auth;
        Certificate = certificate;
    }

    /// <summary>The self-signed certificate the server offers with STARTTLS (secure servers with TLS only).</summary>
    public X509Certificate2? Certificate { get; }

    public static string Host => "127.0.0.1";

    private string Maildir => Path.Combine(WorkingDirectory, "maildir");

    public static async Task<SmtpServer> StartAsync()
    {
        return await StartNewAsync(new SmtpServer(RedisServer.FreePort(), Directory.CreateTempSubdirectory("afirgen-smtp-").FullName));
    }

    /// <summary>
    /// A server that requires SMTP AUTH as <paramref name="user"/>/<paramref name="password"/> and, with
    /// <paramref name="startTls"/>, STARTTLS before it (a fresh self-signed certificate for 127.0.0.1, see
    /// <see cref="Certificate"/>); without it, it offers no STARTTLS at all.
    /// </summary>
    public static async Task<SmtpServer> StartSecureAsync(string user, string password, bool startTls)
    {
        var directory = Directory.CreateTempSubdirectory("afirgen-smtp-").FullName;
        X509Certificate2? certificate = null;
        if (startTls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), created.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            certificate = X509CertificateLoader.LoadCertificate(created.RawData);
        }
        return await StartNewAsync(new SmtpServer(RedisServer.FreePort(), directory, (user, password), certificate));
    }

    private protected override ServerProcess Launch()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException("Debian's python3 is missing: run scripts/install-prerequisites.sh, or apt-get install -y python3-aiosmtpd.");
        }
        if (_auth is not { } auth)
        {
            return ServerProcess.Start(Python, ["-m", "aiosmtpd", "-n", "-l", $"{Host}:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir], WorkingDirectory);
        }
        var script = Path.Combine(AppContext.BaseDirectory, "Smtp", "smtp_secure_server.py");
        List<string> arguments = [script, "--host", Host, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--maildir", Maildir, "--user", auth.User, "--password", auth.Password];
        if (Certificate is not null)
        {
            arguments.AddRange(["--cert", Path.Combine(WorkingDirectory, "cert.pem"), "--key", Path.Combine(WorkingDirectory, "key.pem")]);
        }
        return ServerProcess.Start(Python, arguments, WorkingDirectory);
    }

    private protected override Task WaitUntilReadyAsync(ServerProcess process) =>
        process.WaitForPortAsync("aiosmtpd (is python3-aiosmtpd installed? run scripts/install-prerequisites.sh)", Port, TimeSpan.FromSeconds(30));

    /// <summary>Every message received so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(Maildir, "new");
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return Directory.GetFiles(folder)
            .Select(f => (File: f, Time: File.GetLastWriteTimeUtc(f)))
            .OrderBy(x => x.Time).ThenBy(x => x.File, StringComparer.Ordinal)
            .Select(x => MimeMessage.Load(x.File))
            .ToList();
    }

    /// <summary>The messages whose envelope recipients include <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        Messages().Where(m => (m.Headers["X-RcptTo"] ?? "").Contains(address, StringComparison.OrdinalIgnoreCase)).ToList();
}
