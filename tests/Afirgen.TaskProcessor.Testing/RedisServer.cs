using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real redis-server on a free loopback port, persistence off, owned by the test that starts it.
/// Can be stopped and started again on the same port to test outages.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;
    private readonly bool _cluster;
    private string? _clusterDirectory;

    private RedisServer(int port, bool cluster = false)
    {
        Port = port;
        _cluster = cluster;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>A redis:// URL for Celery and other clients.</summary>
    public string Url(int database = 0) => $"redis://127.0.0.1:{Port}/{database}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>
    /// A one-node Redis Cluster owning every hash slot: clients see a cluster and its rules (no multi-key
    /// command across slots), as with Azure Managed Redis.
    /// </summary>
    public static async Task<RedisServer> StartClusterAsync()
    {
        var server = new RedisServer(FreePort(), cluster: true);
        await server.StartAgainAsync();
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

    /// <summary>Starts the server (again) on its port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var binary = FindBinary();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_cluster)
        {
            _clusterDirectory ??= Directory.CreateTempSubdirectory("afirgen-redis-cluster-").FullName;
            foreach (var a in new[] { "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(_clusterDirectory, "nodes.conf"), "--dir", _clusterDirectory })
            {
                start.ArgumentList.Add(a);
            }
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500,abortConnect=true");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not answer on port {Port} within 10 s.");
    }

    /// <summary>Kills the server (an outage).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_clusterDirectory is not null)
        {
            Directory.Delete(_clusterDirectory, recursive: true);
        }
    }

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
