namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it (MailKit's Auto): port 25/587 servers.</summary>
    Auto,

    /// <summary>Plain text; only for a relay on the same host or network (and the tests).</summary>
    None,

    /// <summary>STARTTLS, required: fail rather than send in the clear (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}
