using System.Data.Common;
using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary><see cref="IFirStore"/> on AFIRGen's MySQL <c>fir_records</c>; uses its indexes on status/created_at and status/finalized_at.</summary>
public sealed class MySqlFirStore(MySqlDatabase database) : IFirStore
{
    private const string Columns = "fir_number, session_id, user_id, status, complaint_text, fir_content, created_at, finalized_at";

    public async Task<FirRecord?> FindAsync(string firNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand($"SELECT {Columns} FROM fir_records WHERE fir_number = @fir", connection);
        command.Parameters.AddWithValue("@fir", firNumber);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<FirRecord>> FindManyAsync(IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken)
    {
        var found = new List<FirRecord>();
        if (firNumbers.Count == 0) return found;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Chunks keep the IN list (one parameter per id) well below the server's placeholder limit.
        foreach (var chunk in firNumbers.Distinct().Chunk(500))
        {
            await using var command = new MySqlCommand { Connection = connection };
            var names = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                names.Add($"@f{i}");
                command.Parameters.AddWithValue($"@f{i}", chunk[i]);
            }
            command.CommandText = $"SELECT {Columns} FROM fir_records WHERE fir_number IN ({string.Join(',', names)})";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(Read(reader));
            }
        }
        return found;
    }

    public async Task<FirStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new MySqlCommand("SELECT status, COUNT(*) FROM fir_records GROUP BY status", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var status = await reader.IsDBNullAsync(0, cancellationToken).ConfigureAwait(false) ? "unknown" : reader.GetString(0);
                byStatus[status] = reader.GetInt64(1);
            }
        }
        await using (var command = new MySqlCommand(
            "SELECT COALESCE(SUM(created_at >= @today), 0), COALESCE(SUM(created_at >= @week), 0), COALESCE(SUM(created_at >= @month), 0) FROM fir_records WHERE created_at >= @month",
            connection))
        {
            var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            command.Parameters.AddWithValue("@today", today.UtcDateTime);
            command.Parameters.AddWithValue("@week", now.UtcDateTime.AddDays(-7));
            command.Parameters.AddWithValue("@month", now.UtcDateTime.AddDays(-30));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new FirStatistics(byStatus, Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)));
        }
    }

    public async Task<IReadOnlyList<DailyCount>> GetDailyCountsAsync(TrendKind kind, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var column = kind == TrendKind.Finalized ? "finalized_at" : "created_at";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"SELECT DATE({column}) AS day, status, COUNT(*) FROM fir_records WHERE {column} >= @start AND {column} < @end GROUP BY day, status ORDER BY day, status",
            connection);
        command.Parameters.AddWithValue("@start", first.ToDateTime(TimeOnly.MinValue));
        command.Parameters.AddWithValue("@end", last.AddDays(1).ToDateTime(TimeOnly.MinValue));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new List<DailyCount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var status = await reader.IsDBNullAsync(1, cancellationToken).ConfigureAwait(false) ? "unknown" : reader.GetString(1);
            counts.Add(new DailyCount(DateOnly.FromDateTime(reader.GetDateTime(0)), status, reader.GetInt64(2)));
        }
        return counts;
    }

    private static FirRecord Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? "unknown" : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        Utc(reader.GetDateTime(6)),
        reader.IsDBNull(7) ? null : Utc(reader.GetDateTime(7)));

    /// <summary>Sessions run in UTC (see <see cref="MySqlDatabase"/>), so a TIMESTAMP read is a UTC time.</summary>
    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
