using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>The status mirror's reads and writes of <c>background_tasks</c>.</summary>
internal sealed class MirrorDatabase
{
    private readonly string _connectionString;
    private readonly MirrorStatements _statements;

    public MirrorDatabase(IOptions<StatusMirrorOptions> options)
    {
        var builder = new MySqlConnectionStringBuilder(options.Value.ConnectionString ?? "");
        // A database that is down should fail a batch quickly so it can be retried, not hang it.
        builder.ConnectionTimeout = Math.Min(builder.ConnectionTimeout, 5u);
        _connectionString = builder.ConnectionString;
        _statements = new MirrorStatements(options.Value.Table);
    }

    /// <summary>Writes <paramref name="updates"/> in one round trip; returns how many rows they matched.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<MirrorUpdate> updates, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new MySqlBatch(connection);
        // Times are written in UTC; see MirrorStatements.
        batch.BatchCommands.Add(new MySqlBatchCommand("SET time_zone = '+00:00'"));
        foreach (var update in updates)
        {
            _statements.Add(batch, update);
        }
        return await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows still pending or running, created since <paramref name="since"/>, after row id <paramref name="afterId"/>.</summary>
    public async Task<IReadOnlyList<OpenRow>> ReadOpenAsync(DateTimeOffset since, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var zone = new MySqlCommand("SET time_zone = '+00:00'", connection))
        {
            await zone.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var command = new MySqlCommand(_statements.SelectOpen, connection);
        command.Parameters.AddWithValue("@since", since.UtcDateTime);
        command.Parameters.AddWithValue("@after", afterId);
        command.Parameters.AddWithValue("@limit", limit);
        var rows = new List<OpenRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new OpenRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return rows;
    }

    /// <summary>Whether <paramref name="exception"/> will not go away by trying again (schema, credentials, syntax).</summary>
    public static bool IsPermanent(Exception exception) => exception is MySqlException { ErrorCode:
        MySqlErrorCode.NoSuchTable or MySqlErrorCode.BadFieldError or MySqlErrorCode.AccessDenied or MySqlErrorCode.ParseError
        or MySqlErrorCode.UnknownDatabase or MySqlErrorCode.TableAccessDenied or MySqlErrorCode.DatabaseAccessDenied };
}

/// <summary>A row of <c>background_tasks</c> that is still pending or running.</summary>
internal sealed record OpenRow(long Id, string TaskId, string Status, int RetryCount);
