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
            // Native AIO takes io_setup events from a kernel-wide pool (fs.aio-max-nr) that every container on
            // a CI host shares; a throw-away server gains nothing from it and must not fail when it is spent.
            "--innodb-use-native-aio=0",
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

    /// <summary>
    /// Initialises the data directory. mariadb-install-db has failed once in CI on a machine where it never
    /// fails here, so a failed attempt is retried on an emptied directory (up to three attempts), and the
    /// error, if all fail, carries every attempt's whole output: mariadbd's own reason comes before the
    /// script's long boilerplate, which alone fills a short tail.
    /// </summary>
    private void Install()
    {
        const int Attempts = 3;
        var failures = new List<string>();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            var failure = TryInstall();
            if (failure is null)
            {
                return;
            }
            failures.Add($"attempt {attempt}: {failure}");
        }
        throw new InvalidOperationException(
            $"mariadb-install-db could not initialise {DataDirectory} in {Attempts} attempts:\n{string.Join("\n\n", failures)}");
    }

    /// <returns>Null on success, else what went wrong with the tool's output.</returns>
    private string? TryInstall()
    {
        var arguments = new List<string>
        {
            "--no-defaults",
            $"--datadir={DataDirectory}",
            // root@localhost/127.0.0.1 with an empty password instead of unix_socket authentication, so the
            // tests connect over TCP as root whatever user runs them; real users are created on top.
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            // Passed on to the bootstrap mariadbd: the same small sizes the server runs with, so the
            // install writes a 16 MB redo log instead of the default 96 MB one the server would then resize.
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--innodb-use-native-aio=0",
        };
        if (Environment.IsPrivilegedProcess)
        {
            arguments.Add("--user=root");
        }
        using var install = ServerProcess.Start(FindBinary("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"), arguments, WorkingDirectory);
        if (!install.Process.WaitForExit(StartTimeout))
        {
            // What StopAsync does, waited for here: Launch is synchronous.
            if (!install.Process.HasExited)
            {
                install.Process.Kill(entireProcessTree: true);
            }
            install.Process.WaitForExit();
            return $"did not finish within {StartTimeout.TotalSeconds} s:\n{install.Tail(lines: 200)}";
        }
        install.Process.WaitForExit();
        return install.Process.ExitCode == 0 ? null : $"exited with code {install.Process.ExitCode}:\n{install.Tail(lines: 200)}";
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
