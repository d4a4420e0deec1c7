using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real redis-server on a free loopback port, persistence off, owned by the test that starts it.
/// Can be stopped and started again on the same port to test outages.
/// </summary>
public sealed class RedisServer : LocalServer
{
    private readonly bool _cluster;

    private RedisServer(int port, string directory, bool cluster = false) : base(port, directory)
    {
        _cluster = cluster;
    }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>A redis:// URL for Celery and other clients.</summary>
    public string Url(int database = 0) => $"redis://127.0.0.1:{Port}/{database}";

    public static Task<RedisServer> StartAsync() => StartNewAsync(new RedisServer(FreePort(), NewDirectory()));

    /// <summary>
    /// A one-node Redis Cluster owning every hash slot: clients see a cluster and its rules (no multi-key
    /// command across slots), as with Azure Managed Redis.
    /// </summary>
    public static async Task<RedisServer> StartClusterAsync()
    {
        var server = await StartNewAsync(new RedisServer(FreePort(), NewDirectory(), cluster: true));
        using var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port},connectTimeout=2000,allowAdmin=true");
        var node = admin.GetServer("127.0.0.1", server.Port);
        await node.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!((string)(await node.ExecuteAsync("CLUSTER", "INFO"))!).Contains("cluster_state:ok"))
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("The one-node Redis cluster did not become ready within 10 s.");
            await Task.Delay(50);
        }
        return server;
    }

    private protected override ServerProcess Launch()
    {
        var arguments = new List<string>
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes",
            "--loglevel", "warning", "--dir", WorkingDirectory,
        };
        if (_cluster)
        {
            arguments.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(WorkingDirectory, "nodes.conf")]);
        }
        return ServerProcess.Start(FindBinary(), arguments, WorkingDirectory);
    }

    private protected override Task WaitUntilReadyAsync(ServerProcess process) =>
        process.WaitUntilAsync("redis-server", $"answered PING on port {Port}", TimeSpan.FromSeconds(10), async () =>
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500,abortConnect=true");
                await probe.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        });

    private static string NewDirectory() => Directory.CreateTempSubdirectory("afirgen-redis-").FullName;

    private static string FindBinary()
    {
        foreach (var candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("redis-server is not installed. Run the README's test command (it installs it), or: apt-get install -y redis-server.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
