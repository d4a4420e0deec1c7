using System.Diagnostics;
using MySqlConnector;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real MariaDB server (Debian's <c>mariadbd</c>) on a free loopback port with a fresh data directory,
/// run as the current user and owned by the test that starts it. Each test class takes its own database
/// with <see cref="CreateDatabaseAsync"/>. Can be stopped and started again on the same port and data to
/// test outages.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private Process? _process;
    private readonly List<string> _output = [];

    private MariaDbServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>The administrator's connection string (root over TCP, no password, no default database).</summary>
    public string ConnectionString => ConnectionStringFor(null);

    /// <summary>A root connection string whose default database is <paramref name="database"/>.</summary>
    public string ConnectionStringFor(string? database) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "root",
        Password = "",
        Database = database ?? "",
        ConnectionTimeout = 5,
        DefaultCommandTimeout = 30,
        // Each test database is dropped with its server; pooled connections must not outlive a restart.
        ConnectionReset = true,
    }.ConnectionString;

    /// <summary>Initialises a data directory (<c>mariadb-install-db</c>), starts the server and waits until it answers.</summary>
    public static async Task<MariaDbServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("afirgen-mariadb-").FullName;
        var server = new MariaDbServer(RedisServer.FreePort(), directory);
        try
        {
            await server.InstallAsync();
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates (or empties) the database <paramref name="name"/> in utf8mb4, as AFIRGen's schema uses, and
    /// returns a connection string for it. Give each test class its own name so classes never share tables.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{name}' is not a usable database name: use 1-64 letters, digits or underscores.", nameof(name));
        }
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;";
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    /// <summary>
    /// Creates a password user limited to <paramref name="database"/> (all privileges there, none elsewhere)
    /// and returns its connection string: for tests that must not run as root.
    /// </summary>
    public async Task<string> CreateUserAsync(string user, string password, string database)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE OR REPLACE USER @user@'%' IDENTIFIED BY @password; GRANT ALL PRIVILEGES ON `{database.Replace("`", "``")}`.* TO @user@'%';";
        command.Parameters.AddWithValue("@user", user);
        command.Parameters.AddWithValue("@password", password);
        await command.ExecuteNonQueryAsync();
        return new MySqlConnectionStringBuilder(ConnectionStringFor(database)) { UserID = user, Password = password }.ConnectionString;
    }

    /// <summary>Starts the server (again) on its port and data directory and waits until it accepts a connection.</summary>
    public async Task StartAgainAsync()
    {
        var arguments = new List<string>
        {
            "--no-defaults",
            $"--datadir={DataDirectory}",
            $"--port={Port}",
            "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(_directory, "mysqld.sock")}",
            $"--pid-file={Path.Combine(_directory, "mysqld.pid")}",
            // Resolving 127.0.0.1 to a host name is slow and pointless here; root@127.0.0.1 exists.
            "--skip-name-resolve",
            "--skip-log-bin",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            // A throw-away server: small memory, no fsync per commit. Level 2 still hands each commit to the
            // OS, so a killed server (StopAsync) keeps what was committed, as a real outage would.
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-doublewrite=0",
            "--performance-schema=OFF",
        };
        if (Environment.IsPrivilegedProcess)
        {
            // mariadbd refuses to run as root unless told to; as any other user it simply runs as that user.
            arguments.Add("--user=root");
        }
        _process = Launch(FindBinary("mariadbd", "/usr/sbin/mariadbd", "/usr/bin/mariadbd"), arguments);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited with code {_process.ExitCode} before it accepted connections:\n{Output()}");
            }
            try
            {
                await using var probe = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false, ConnectionTimeout = 1 }.ConnectionString);
                await probe.OpenAsync();
                return;
            }
            catch (MySqlException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException($"mariadbd did not accept connections on port {Port} within {StartTimeout.TotalSeconds} s:\n{Output()}");
    }

    /// <summary>Kills the server (an outage). Its data stays for <see cref="StartAgainAsync"/>.</summary>
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
            // A file still held open by a dying process: the OS temp cleaner gets it; not worth failing a test run.
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private async Task InstallAsync()
    {
        var arguments = new List<string>
        {
            "--no-defaults",
            $"--datadir={DataDirectory}",
            // root@localhost/127.0.0.1 with an empty password instead of unix_socket authentication, so the
            // tests connect over TCP as root whatever user runs them; real users are created on top.
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        };
        if (Environment.IsPrivilegedProcess)
        {
            arguments.Add("--user=root");
        }
        using var install = Launch(FindBinary("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"), arguments);
        using var cts = new CancellationTokenSource(StartTimeout);
        await install.WaitForExitAsync(cts.Token);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"mariadb-install-db exited with code {install.ExitCode}:\n{Output()}");
        }
    }

    private Process Launch(string binary, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200) _output.RemoveAt(0);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(30));
        }
    }

    private static string FindBinary(string name, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"{name} is not installed. Run the README's test command (it installs it), or: apt-get install -y mariadb-server.");
    }
}
