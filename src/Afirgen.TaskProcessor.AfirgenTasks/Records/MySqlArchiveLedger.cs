using System.Text.Json.Nodes;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary><see cref="IArchiveLedger"/> in the processor's <c>afirgen_tasks_archived_firs</c> table beside AFIRGen's <c>fir_records</c>.</summary>
public sealed class MySqlArchiveLedger(MySqlDatabase database) : IArchiveLedger
{
    public async Task<ArchiveRun?> FindRunAsync(string taskId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"SELECT MIN(blob_name), MIN(blob_sha256), COUNT(*) FROM {ProcessorSchema.ArchivedFirsTable} WHERE task_id = @task", connection);
        command.Parameters.AddWithValue("@task", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var count = reader.GetInt64(2);
        return count == 0 ? null : new ArchiveRun(taskId, reader.GetString(0), reader.GetString(1), (int)count);
    }

    public async Task<IReadOnlyList<ArchiveCandidate>> FindUnarchivedAsync(DateTimeOffset finalizedBefore, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Every column of the row, whatever AFIRGen's schema holds by now: an archive must be complete.
        await using var command = new MySqlCommand(
            $"""
            SELECT f.* FROM fir_records f
            WHERE f.status = @finalized AND f.finalized_at IS NOT NULL AND f.finalized_at < @before
              AND NOT EXISTS (SELECT 1 FROM {ProcessorSchema.ArchivedFirsTable} a WHERE a.fir_number = f.fir_number)
            ORDER BY f.finalized_at, f.fir_number
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("@finalized", FirStatuses.Finalized);
        command.Parameters.AddWithValue("@before", finalizedBefore.UtcDateTime);
        command.Parameters.AddWithValue("@limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var candidates = new List<ArchiveCandidate>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new JsonObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = await reader.IsDBNullAsync(i, cancellationToken).ConfigureAwait(false) ? null : ToJson(reader.GetValue(i));
            }
            candidates.Add(new ArchiveCandidate((string)row["fir_number"]!, row));
        }
        return candidates;
    }

    public async Task MarkArchivedAsync(ArchiveRun run, IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in firNumbers.Chunk(500))
        {
            await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var rows = new List<string>();
            command.Parameters.AddWithValue("@task", run.TaskId);
            command.Parameters.AddWithValue("@blob", run.BlobName);
            command.Parameters.AddWithValue("@sha", run.Sha256);
            for (var i = 0; i < chunk.Length; i++)
            {
                rows.Add($"(@f{i}, @task, @blob, @sha)");
                command.Parameters.AddWithValue($"@f{i}", chunk[i]);
            }
            // IGNORE: a FIR already recorded (by this run repeated, or an earlier one) keeps its first record.
            command.CommandText = $"INSERT IGNORE INTO {ProcessorSchema.ArchivedFirsTable} (fir_number, task_id, blob_name, blob_sha256) VALUES {string.Join(',', rows)}";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static JsonNode? ToJson(object value) => value switch
    {
        DateTime d => MySqlFirStore.Utc(d).ToString("O"),
        DateTimeOffset d => d.ToString("O"),
        byte[] b => Convert.ToBase64String(b),
        bool b => b,
        string s => s,
        long or int or short or sbyte or byte or ulong or uint or ushort => JsonValue.Create(Convert.ToInt64(value)),
        decimal m => m,
        double d => d,
        float f => f,
        Guid g => g.ToString(),
        _ => value.ToString(),
    };
}
