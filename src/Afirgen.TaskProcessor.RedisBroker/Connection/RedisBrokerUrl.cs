using System.Globalization;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Connection;

/// <summary>
/// A Celery broker URL for Redis (<c>redis://[user:password@]host[:port][/database]</c>, <c>rediss://</c> for
/// TLS), read the way kombu reads it, as StackExchange.Redis settings.
/// </summary>
public sealed record RedisBrokerUrl(string Host, int Port, int Database, string? User, string? Password, bool Tls)
{
    /// <summary>kombu's default port and database.</summary>
    private const int DefaultPort = 6379;

    /// <summary>Reads <paramref name="url"/>.</summary>
    /// <exception cref="FormatException">The URL is not a Redis URL; the message says what is wrong and how to write it.</exception>
    public static RedisBrokerUrl Parse(string? url)
    {
        const string Example = "write it as Celery does, e.g. redis://localhost:6379/1 (AFIRGen's CELERY_BROKER_URL)";
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FormatException($"No Redis broker URL is given: {Example}.");
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss"))
        {
            throw new FormatException($"The broker URL '{Redact(url)}' is not a Redis URL: {Example}.");
        }
        if (string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"The broker URL '{Redact(url)}' names no host: {Example}.");
        }

        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database))
        {
            throw new FormatException($"The broker URL '{Redact(url)}' ends in '/{path}', which is not a database number: {Example}.");
        }

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            // redis://:secret@host is a password without a user (Redis before ACLs).
            if (user.Length == 0) user = null;
        }

        return new RedisBrokerUrl(uri.Host, uri.IsDefaultPort ? DefaultPort : uri.Port, database, user, password, uri.Scheme == "rediss");
    }

    /// <summary>
    /// The broker URL for the server a StackExchange.Redis configuration string names (its first endpoint, user,
    /// password and TLS), in <paramref name="database"/>: how a local host puts its queues on the Redis that
    /// holds its results, as Celery's seed puts its broker in database 1 beside results in database 2.
    /// </summary>
    /// <exception cref="FormatException">The configuration names no endpoint.</exception>
    public static RedisBrokerUrl FromConfiguration(string configuration, int database)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"The Redis configuration '{configuration}' cannot be read: {ex.Message}", ex);
        }
        var (host, port) = options.EndPoints.FirstOrDefault() switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => throw new FormatException($"The Redis configuration '{configuration}' names no host: write it as host:port, e.g. 127.0.0.1:6379."),
        };
        return new RedisBrokerUrl(host, port == 0 ? DefaultPort : port, database, options.User, options.Password, options.Ssl);
    }

    /// <summary>This URL as Celery writes it, password included (for settings, never for logs: see <see cref="ToString"/>).</summary>
    public string ToUrl()
    {
        var userInfo = User is null && Password is null ? ""
            : $"{(User is null ? "" : Uri.EscapeDataString(User))}{(Password is null ? "" : ":" + Uri.EscapeDataString(Password))}@";
        var host = Host.Contains(':') ? $"[{Host}]" : Host;
        return $"{(Tls ? "rediss" : "redis")}://{userInfo}{host}:{Port}/{Database}";
    }

    /// <summary>StackExchange.Redis settings for this URL that start even when Redis is down (it reconnects).</summary>
    public ConfigurationOptions ToConfigurationOptions()
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { Host, Port } },
            User = User,
            Password = Password,
            Ssl = Tls,
            DefaultDatabase = Database,
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            ClientName = "afirgen-tasks-broker",
        };
        return options;
    }

    /// <summary>The URL without its password, for messages and logs.</summary>
    public override string ToString() =>
        $"{(Tls ? "rediss" : "redis")}://{(User is null && Password is null ? "" : $"{User}{(Password is null ? "" : ":***")}@")}{Host}:{Port}/{Database}";

    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? string.Concat(url.AsSpan(0, scheme + 3), "***", url.AsSpan(at)) : url;
    }
}
