namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's remote control on the Redis transport (kombu's pidbox: <c>celery inspect</c>, <c>celery control</c>,
/// <c>app.control.*</c>, Flower). Section <c>TaskProcessor:RemoteControl</c>.
/// </summary>
public sealed class RemoteControlOptions
{
    public const string Section = "TaskProcessor:RemoteControl";

    /// <summary>Answer remote control at all (default true): every worker on the Redis transport joins <c>celery.pidbox</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Obey Celery's <c>shutdown</c> command (a graceful stop, as Ctrl+C). Off by default: a .NET host is usually run by a
    /// supervisor (systemd, a container platform), which would start it again or count it failed; stop it there.
    /// </summary>
    public bool AllowShutdown { get; set; }
}
