namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>Settings of the local host itself (not of the engine).</summary>
public sealed class LocalHostOptions
{
    public const string Section = "TaskProcessor:LocalHost";

    /// <summary>Where the HTTP API listens. Loopback only by default: the local host has no authentication.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>
    /// <c>redis</c> (the default): Celery's Redis transport, durable, on <c>TaskProcessor:RedisBroker:Url</c> or else
    /// database 1 of the results' Redis. <c>memory</c>: the embedded broker, whose queues are lost when the process exits.
    /// </summary>
    public string Broker { get; set; } = LocalBroker.Redis;

    /// <summary>How long Ctrl+C lets running tasks finish before cancelling them and abandoning their messages.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}
