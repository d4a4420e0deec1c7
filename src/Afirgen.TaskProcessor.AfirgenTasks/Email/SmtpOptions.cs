namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>The SMTP server mail goes out through. Section <c>Afirgen:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Afirgen:Smtp";

    /// <summary>The server's host name. Empty: the local host's demo pickup folder (when <c>Afirgen:Demo:Enabled</c>), else a start-up error.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>User name for SMTP AUTH; empty for none.</summary>
    public string? UserName { get; set; }

    /// <summary>Password for SMTP AUTH (in Azure: a Key Vault reference in app settings, never in a file).</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>AFIRGen &lt;no-reply@afirgen.example&gt;</c>.</summary>
    public string From { get; set; } = "AFIRGen <no-reply@afirgen.invalid>";

    /// <summary>How long one connect or command may take before the attempt is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
