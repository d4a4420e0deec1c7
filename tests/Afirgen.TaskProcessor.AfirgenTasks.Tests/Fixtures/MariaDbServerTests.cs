using Afirgen.TaskProcessor.Testing;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Fixtures;

/// <summary>The MariaDB fixture itself: a real server, one database per test class, users, outages.</summary>
[Collection(MariaDbCollectionDefinition.Name)]
public sealed class MariaDbServerTests(MariaDbFixture mariaDb)
{
    [Fact]
    public async Task CreateDatabase_GivesAUtf8mb4DatabaseThatKeepsWhatIsWritten()
    {
        var connectionString = await mariaDb.Server.CreateDatabaseAsync("fixture_roundtrip");
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(50)) ENGINE=InnoDB;
            INSERT INTO t (v) VALUES ('प्रथम सूचना रिपोर्ट');
            SELECT v FROM t;
            """;
        Assert.Equal("प्रथम सूचना रिपोर्ट", await command.ExecuteScalarAsync());

        command.CommandText = "SELECT @@character_set_database, VERSION()";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("utf8mb4", reader.GetString(0));
        Assert.Contains("MariaDB", reader.GetString(1));
    }

    [Fact]
    public async Task CreateDatabase_Again_StartsEmpty()
    {
        var connectionString = await mariaDb.Server.CreateDatabaseAsync("fixture_again");
        await ExecuteAsync(connectionString, "CREATE TABLE t (id INT PRIMARY KEY)");
        connectionString = await mariaDb.Server.CreateDatabaseAsync("fixture_again");
        Assert.Equal(0L, await ExecuteAsync(connectionString, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"));
    }

    [Fact]
    public async Task CreateUser_CanUseItsOwnDatabase_ButNoOther()
    {
        await mariaDb.Server.CreateDatabaseAsync("fixture_other");
        await mariaDb.Server.CreateDatabaseAsync("fixture_mine");
        var userConnection = await mariaDb.Server.CreateUserAsync("fixture_user", "s3cret-Pass", "fixture_mine");

        await ExecuteAsync(userConnection, "CREATE TABLE t (id INT PRIMARY KEY)");
        var denied = await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(userConnection, "CREATE TABLE fixture_other.t (id INT PRIMARY KEY)"));
        Assert.Equal(MySqlErrorCode.TableAccessDenied, denied.ErrorCode);
    }

    [Fact]
    public async Task StopThenStartAgain_KeepsTheData()
    {
        var connectionString = await mariaDb.Server.CreateDatabaseAsync("fixture_outage");
        await ExecuteAsync(connectionString, "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (7);");

        await mariaDb.Server.StopAsync();
        await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(connectionString, "SELECT 1"));

        await mariaDb.Server.StartAgainAsync();
        Assert.Equal(7, await ExecuteAsync(connectionString, "SELECT id FROM t"));
    }

    private static async Task<object?> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
