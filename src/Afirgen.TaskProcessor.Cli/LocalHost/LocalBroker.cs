using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Microsoft.Extensions.Configuration;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// Which broker the local host runs on, read from its settings: by default Celery's Redis transport, durable, on
/// <c>TaskProcessor:RedisBroker:Url</c> or else on the server that holds the results (<c>TaskProcessor:Redis:Configuration</c>),
/// database 1; the embedded in-memory broker only when <c>TaskProcessor:LocalHost:Broker</c> is <c>memory</c>.
/// </summary>
/// <param name="InMemory">The embedded broker: every queue lives in this process and is lost when it exits.</param>
/// <param name="RedisUrl">The Redis transport's URL (password included) when not in memory; null when none can be worked out.</param>
/// <param name="Problem">Why no broker can be chosen, as a sentence saying what to pass; null when one can.</param>
internal sealed record LocalBroker(bool InMemory, string? RedisUrl, string? Problem)
{
    /// <summary><c>TaskProcessor:LocalHost:Broker</c>'s value for the embedded broker (also <c>memory://</c>, kombu's name for it).</summary>
    public const string Memory = "memory";

    /// <summary><c>TaskProcessor:LocalHost:Broker</c>'s value (the default) for Celery's Redis transport.</summary>
    public const string Redis = "redis";

    /// <summary>The database of the results' Redis that holds the queues when no broker URL is given (Celery's seed: broker /1, results /2).</summary>
    public const int DefaultDatabase = 1;

    public static LocalBroker Resolve(IConfiguration configuration)
    {
        var kind = configuration[$"{LocalHostOptions.Section}:Broker"]?.Trim();
        if (IsMemory(kind))
        {
            return new LocalBroker(true, null, null);
        }
        if (!string.IsNullOrEmpty(kind) && !kind.Equals(Redis, StringComparison.OrdinalIgnoreCase))
        {
            return new LocalBroker(false, null,
                $"{LocalHostOptions.Section}:Broker is '{kind}'; use '{Redis}' (the default: Celery's Redis transport, durable) or '{Memory}' (queues in this process's memory, lost on exit).");
        }

        var url = configuration[$"{RedisBrokerOptions.Section}:Url"];
        if (!string.IsNullOrWhiteSpace(url))
        {
            return new LocalBroker(false, url, null);
        }
        var results = configuration[$"{RedisOptions.Section}:Configuration"];
        if (string.IsNullOrWhiteSpace(results))
        {
            return new LocalBroker(false, null,
                "No durable broker is configured: pass --redis host:port (results there, and the queues in its database 1), " +
                "or --broker redis://host:port/1 for Celery's Redis broker, or --broker memory to keep the queues in this process's memory (lost on exit). ./run.sh starts a Redis and passes --redis.");
        }
        try
        {
            return new LocalBroker(false, RedisBrokerUrl.FromConfiguration(results, DefaultDatabase).ToUrl(), null);
        }
        catch (FormatException ex)
        {
            return new LocalBroker(false, null, $"{RedisOptions.Section}:Configuration: {ex.Message}");
        }
    }

    /// <summary>Whether <paramref name="value"/> names the embedded broker (<c>memory</c> or kombu's <c>memory://</c>).</summary>
    public static bool IsMemory(string? value) =>
        value is not null && (value.Equals(Memory, StringComparison.OrdinalIgnoreCase) || value.Equals("memory://", StringComparison.OrdinalIgnoreCase));
}
