namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>Settings of the local host itself (not of the engine).</summary>
public sealed class LocalHostOptions
{
    public const string Section = "TaskProcessor:LocalHost";

    /// <summary>Where the HTTP API listens. Loopback only by default; any other address needs <see cref="ApiKey"/>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>
    /// <c>redis</c> (the default): Celery's Redis transport, durable, on <c>TaskProcessor:RedisBroker:Url</c> or else
    /// database 1 of the results' Redis. <c>memory</c>: the embedded broker, whose queues are lost when the process exits.
    /// </summary>
    public string Broker { get; set; } = LocalBroker.Redis;

    /// <summary>How long Ctrl+C lets running tasks finish before cancelling them and abandoning their messages.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A secret every <c>/api</c> request and <c>/metrics</c> must carry, in the header the Functions app's keys use
    /// (<c>x-functions-key</c>) or as <c>?code=</c>, so one script works against both hosts. Empty: none asked for,
    /// which is allowed only while <see cref="Urls"/> are all loopback.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Host names requests may be addressed to besides <c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c> and the hosts
    /// named in <see cref="Urls"/>, separated by <c>;</c>; <c>*</c> allows any. Refusing other names keeps out a web
    /// page that rebinds its own DNS name to this machine.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>
    /// Origins (<c>https://app.example</c>) whose pages may call the API from the browser (CORS), separated by
    /// <c>;</c>. Empty: only the host's own dashboard; state-changing requests from any other site are refused.
    /// </summary>
    public string? AllowedOrigins { get; set; }

    /// <summary>The shortest <see cref="ApiKey"/> accepted: a key is a secret, not a password to remember.</summary>
    public const int MinApiKeyLength = 16;

    /// <summary>The entries of a <c>;</c>-separated setting (<see cref="AllowedHosts"/>, <see cref="AllowedOrigins"/>).</summary>
    internal static IReadOnlyList<string> Entries(string? setting) =>
        (setting ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
