using Afirgen.TaskProcessor.Redis;
using System.Net;
using System.Net.Sockets;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// What <c>run</c> checks before it starts the host, so a newcomer reads one sentence rather than a stack trace or
/// a stream of retries: whether its addresses are free, and whether the Redis it needs answers.
/// </summary>
internal static class StartupChecks
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A sentence when an address in <paramref name="urls"/> is taken by another process; null when all are free (or cannot be checked).</summary>
    public static string? AddressInUse(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                continue; // Kestrel says what is wrong with it
            }
            var address = uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null;
            if (address is null)
            {
                continue;
            }
            try
            {
                var probe = new TcpListener(address, uri.Port);
                probe.Start();
                probe.Stop();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return $"Cannot listen on {url}: the address is in use (is another `afirgen-tasks run` running?). Stop it, or pass --urls http://127.0.0.1:<port>.";
            }
            catch (SocketException)
            {
                // Not ours to judge here (an address this machine lacks, a permission): Kestrel reports it.
            }
        }
        return null;
    }

    /// <summary>
    /// A sentence naming each Redis the host needs (results; the broker's, when it is another server) that does not
    /// answer a TCP connection within a second; null when all do. The host starts anyway and keeps trying.
    /// </summary>
    public static async Task<string?> UnreachableRedisAsync(IConfiguration configuration, LocalBroker broker)
    {
        var endpoints = new List<(string Host, int Port, string Role)>();
        if (configuration[$"{RedisOptions.Section}:Configuration"] is { Length: > 0 } results)
        {
            try
            {
                var url = RedisBrokerUrl.FromConfiguration(results, 0);
                endpoints.Add((url.Host, url.Port, broker.InMemory ? "results" : "results and queues"));
            }
            catch (FormatException)
            {
                // The engine's own check names the setting.
            }
        }
        if (!broker.InMemory && broker.RedisUrl is { } brokerUrl)
        {
            var url = RedisBrokerUrl.Parse(brokerUrl);
            if (!endpoints.Any(e => e.Host == url.Host && e.Port == url.Port))
            {
                endpoints.Add((url.Host, url.Port, "queues"));
            }
            else if (endpoints.Count == 1 && endpoints[0].Role == "results")
            {
                endpoints[0] = (url.Host, url.Port, "results and queues");
            }
        }
        foreach (var (host, port, role) in endpoints)
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            try
            {
                await client.ConnectAsync(host, port, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                var why = ex is SocketException s ? s.SocketErrorCode.ToString() : $"no answer within {ConnectTimeout.TotalSeconds:0} s";
                return $"Redis at {host}:{port} ({role}) cannot be reached ({why}): the host starts anyway and keeps trying, but runs and accepts no task until it can. " +
                    "Start it (./run.sh starts one) or correct --redis / --broker.";
            }
        }
        return null;
    }
}
