using MySqlConnector;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A real MariaDB server (Debian's <c>mariadbd</c>) on a free loopback port with a fresh data directory,
/// run as the current user and owned by the test that starts it. Each test class takes its own database
/// with <see cref="CreateDatabaseAsync"/>. Can be stopped and started again on the same port and data to
/// test outages.
/// </summary>
public sealed class MariaDbServer : LocalServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private MariaDbServer(int port, string directory) : base(port, directory)
    {
    }

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
    public static Task<MariaDbServer> StartAsync() =>
        StartNewAsync(new MariaDbServer(RedisServer.FreePort(), Directory.CreateTempSubdirectory("afirgen-mariadb-").FullName));

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

    private protected override ServerProcess Launch()
    {
        if (!Directory.Exists(DataDirectory))
        {
            Install();
        }
        var arguments = new List<string>
        {
            "--no-defaults",
            $"--datadir={DataDirectory}",
            $"--port={Port}",
            "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(WorkingDirectory, "mysqld.sock")}",
            $"--pid-file={Path.Combine(WorkingDirectory, "mysqld.pid")}",
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
        return ServerProcess.Start(FindBinary("mariadbd", "/usr/sbin/mariadbd", "/usr/bin/mariadbd"), arguments, WorkingDirectory);
    }

    private protected override Task WaitUntilReadyAsync(ServerProcess process) =>
        process.WaitUntilAsync("mariadbd", $"accepted connections on port {Port}", StartTimeout, async () =>
        {
            try
            {
                await using var probe = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false, ConnectionTimeout = 1 }.ConnectionString);
                await probe.OpenAsync();
                return true;
            }
            catch (MySqlException)
            {
                return false;
            }
        });

    /// <summary>Pooled connections to the killed server must not be handed out after it comes back.</summary>
    protected override void OnStopped() => MySqlConnection.ClearAllPools();

    private string DataDirectory => Path.Combine(WorkingDirectory, "data");

    private void Install()
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
        using var install = ServerProcess.Start(FindBinary("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"), arguments, WorkingDirectory);
        if (!install.Process.WaitForExit(StartTimeout))
        {
            install.StopAsync().GetAwaiter().GetResult();
            throw new InvalidOperationException($"mariadb-install-db did not finish within {StartTimeout.TotalSeconds} s:\n{install.Tail()}");
        }
        install.Process.WaitForExit();
        if (install.Process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mariadb-install-db exited with code {install.Process.ExitCode}:\n{install.Tail()}");
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
