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

    private SmtpServer(int port, string directory) : base(port, directory)
    {
    }

    public string Host => "127.0.0.1";

    private string Maildir => Path.Combine(WorkingDirectory, "maildir");

    public static async Task<SmtpServer> StartAsync()
    {
        return await StartNewAsync(new SmtpServer(RedisServer.FreePort(), Directory.CreateTempSubdirectory("afirgen-smtp-").FullName));
    }

    private protected override ServerProcess Launch()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException("Debian's python3 is missing: run scripts/install-prerequisites.sh, or apt-get install -y python3-aiosmtpd.");
        }
        return ServerProcess.Start(Python, ["-m", "aiosmtpd", "-n", "-l", $"{Host}:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir], WorkingDirectory);
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
