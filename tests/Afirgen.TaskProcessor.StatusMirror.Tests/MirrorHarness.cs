using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace Afirgen.TaskProcessor.StatusMirror.Tests;

/// <summary>
/// The engine with the status mirror, against a fresh database holding AFIRGen's own
/// <c>background_tasks</c> schema; the mirror's writer runs as it does in a host.
/// </summary>
internal sealed class MirrorHarness : IAsyncDisposable
{
    private readonly StatusMirrorWriter _writer;

    private MirrorHarness(EngineHarness engine, string connectionString, StatusMirrorWriter writer)
    {
        Engine = engine;
        ConnectionString = connectionString;
        _writer = writer;
    }

    public EngineHarness Engine { get; }
    public string ConnectionString { get; }
    public StatusMirror Mirror => Engine.Services.GetRequiredService<StatusMirror>();
    public StatusMirrorMetrics Metrics => Engine.Services.GetRequiredService<StatusMirrorMetrics>();
    public StatusMirrorReconciler Reconciler => Engine.Services.GetRequiredService<StatusMirrorReconciler>();

    public static async Task<MirrorHarness> StartAsync(RedisFixture redis, MariaDbFixture mariaDb, Action<IServiceCollection>? tasks = null,
        Dictionary<string, string?>? settings = null)
    {
        var database = "afirgen_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = await mariaDb.Server.CreateDatabaseAsync(database);
        await ExecuteAsync(connectionString, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Schema", "background_tasks.sql")));

        var config = new Dictionary<string, string?>
        {
            ["Afirgen:Database:ConnectionString"] = connectionString,
            ["TaskProcessor:StatusMirror:ReconcileInterval"] = "00:00:00",
            ["TaskProcessor:StatusMirror:RetryDelay"] = "00:00:00.050",
            ["TaskProcessor:StatusMirror:MaxAttempts"] = "2",
        };
        foreach (var (k, v) in settings ?? []) config[k] = v;
        var engine = EngineHarness.Create(redis.Server.Configuration, tasks, config, host => Assert.True(host.AddAfirgenStatusMirror()));
        var writer = engine.Services.GetServices<IHostedService>().OfType<StatusMirrorWriter>().Single();
        await writer.StartAsync(CancellationToken.None);
        return new MirrorHarness(engine, connectionString, writer);
    }

    /// <summary>What AFIRGen does right after <c>send_task</c>: a <c>pending</c> row keyed by the task id.</summary>
    public Task InsertPendingRowAsync(string taskId, string taskName, JsonObject? parameters = null) =>
        ExecuteAsync(ConnectionString,
            $"INSERT INTO background_tasks (task_id, task_name, task_type, priority, status, params) VALUES ('{taskId}', '{taskName}', '{taskName.Split('.').ElementAtOrDefault(1) ?? "default"}', 5, 'pending', '{(parameters ?? []).ToJsonString()}')");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The row as AFIRGen's status query reads it, or null when there is none.</summary>
    public async Task<Row?> RowAsync(string taskId)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT status, result, error_message, retry_count, started_at, completed_at FROM background_tasks WHERE task_id = @id", connection);
        command.Parameters.AddWithValue("@id", taskId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        return new Row(
            reader.GetString(0),
            await reader.IsDBNullAsync(1) ? null : JsonNode.Parse(reader.GetString(1)),
            await reader.IsDBNullAsync(2) ? null : reader.GetString(2),
            reader.GetInt32(3),
            await reader.IsDBNullAsync(4) ? null : reader.GetDateTime(4),
            await reader.IsDBNullAsync(5) ? null : reader.GetDateTime(5));
    }

    public async Task<long> RowCountAsync()
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM background_tasks", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Waits until the row satisfies <paramref name="condition"/> (the mirror writes asynchronously).</summary>
    public async Task<Row> WaitForRowAsync(string taskId, Func<Row, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var row = await RowAsync(taskId);
            if (row is not null && condition(row))
            {
                return row;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the row of {taskId} did not become {what} within 15 s; it is {row?.Status ?? "missing"}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until every queued update has been written (or given up).</summary>
    public async Task DrainAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Mirror.Pending > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the mirror's queue did not drain within 15 s");
            await Task.Delay(20);
        }
        await Task.Delay(100); // the batch taken last is still being written
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.StopAsync(CancellationToken.None);
        await Engine.DisposeAsync();
    }
}

/// <summary>A <c>background_tasks</c> row.</summary>
internal sealed record Row(string Status, JsonNode? Result, string? ErrorMessage, int RetryCount, DateTime? StartedAt, DateTime? CompletedAt);
