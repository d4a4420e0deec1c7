using System.Diagnostics;
using MySqlConnector;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real MariaDB server (Debian's <c>mariadb-server</c>) on a free loopback port, with a fresh data
/// directory of its own, owned by the test that starts it. Each test class takes a database of its own
/// with <see cref="CreateDatabaseAsync"/>. Can be stopped and started again on the same port and data to
/// test outages.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process? _process;
    private readonly List<string> _log = [];

    private MariaDbServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>A connection string for the server's root account (no database selected).</summary>
    public string RootConnectionString => ConnectionString(null);

    /// <summary>A connection string for <paramref name="database"/> as root.</summary>
    public string ConnectionString(string? database) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "root",
        Password = "",
        Database = database ?? "",
        ConnectionTimeout = 3,
        // Tests stop the server on purpose; pooled connections to the old process must not be reused.
        Pooling = true,
        ConnectionReset = true,
    }.ConnectionString;

    public static async Task<MariaDbServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("afirgen-mariadb-").FullName;
        var server = new MariaDbServer(RedisServer.FreePort(), directory);
        await server.InstallAsync();
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new MySqlConnection(RootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Runs <paramref name="sql"/> (one or more statements) against <paramref name="connectionString"/>.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task InstallAsync()
    {
        var start = new ProcessStartInfo(FindBinary("mariadb-install-db", "/usr/bin"))
        {
            ArgumentList = { "--no-defaults", $"--datadir={DataDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("--user=root");
        }
        using var install = Process.Start(start) ?? throw new InvalidOperationException("mariadb-install-db did not start.");
        var output = install.StandardOutput.ReadToEndAsync();
        var errors = install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync();
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"mariadb-install-db failed ({install.ExitCode}): {await errors}{await output}");
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Starts the server (again) on its port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(FindBinary("mariadbd", "/usr/sbin"))
        {
            ArgumentList =
            {
                "--no-defaults", $"--datadir={DataDirectory}", $"--port={Port}", "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(_directory, "mariadb.sock")}", $"--pid-file={Path.Combine(_directory, "mariadb.pid")}",
                "--skip-log-bin", "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
                // No fsync per commit (most of a small write's cost), but each commit reaches the OS: a
                // killed server (an outage test) keeps what it committed.
                "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0", "--performance-schema=OFF",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("--user=root");
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("mariadbd did not start.");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited at start ({_process.ExitCode}): {string.Join(Environment.NewLine, Log)}");
            }
            try
            {
                await using var probe = new MySqlConnection(RootConnectionString);
                await probe.OpenAsync();
                return;
            }
            catch (MySqlException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException($"mariadbd did not accept connections on port {Port} within 30 s: {string.Join(Environment.NewLine, Log)}");
    }

    private IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return _log.TakeLast(20).ToArray();
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Add(line);
        }
    }

    /// <summary>Kills the server (an outage). Connections in the pool are dropped too.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
        MySqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being released by the killed server: the temp directory is cleaned by the OS.
        }
    }

    private static string FindBinary(string name, string directory)
    {
        var path = Path.Combine(directory, name);
        if (File.Exists(path))
        {
            return path;
        }
        throw new InvalidOperationException($"{name} is not installed. Run the README's test command (it installs it), or: apt-get install -y mariadb-server.");
    }
}
