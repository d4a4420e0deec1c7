using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// Opens connections to AFIRGen's database, every session in UTC (TIMESTAMP columns are then read and
/// compared in UTC whatever the server's zone), and creates the processor's own tables on first use.
/// </summary>
public sealed class MySqlDatabase(IOptions<DatabaseOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    internal DatabaseOptions Options => options.Value;

    /// <summary>An open connection; the processor's tables exist when it returns.</summary>
    public async Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(options.Value.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new MySqlCommand("SET time_zone = '+00:00'", connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!_schemaReady)
            {
                await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task EnsureSchemaAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady) return;
            await using var command = new MySqlCommand(ProcessorSchema.Sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    /// <summary>Releases the schema lock (the container disposes this singleton when the host stops).</summary>
    public void Dispose() => _schemaLock.Dispose();
}
