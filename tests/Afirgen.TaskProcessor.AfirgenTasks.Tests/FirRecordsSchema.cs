using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests;

/// <summary>
/// A <c>fir_records</c> table shaped like AFIRGen's (its columns and its migration 001's indexes, full-text
/// included), and rows to put in it.
/// </summary>
public static class FirRecordsSchema
{
    public const string CreateTable = """
        CREATE TABLE fir_records (
            id INT AUTO_INCREMENT PRIMARY KEY,
            fir_number VARCHAR(100) NOT NULL UNIQUE,
            session_id VARCHAR(100),
            user_id VARCHAR(100),
            status VARCHAR(50) NOT NULL DEFAULT 'pending',
            complaint_text LONGTEXT,
            fir_content LONGTEXT,
            violations_json LONGTEXT,
            created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            finalized_at TIMESTAMP NULL,
            INDEX idx_fir_number (fir_number),
            INDEX idx_session_id (session_id),
            INDEX idx_status (status),
            INDEX idx_created_at (created_at DESC),
            INDEX idx_user_id (user_id),
            INDEX idx_user_created (user_id, created_at DESC),
            INDEX idx_status_created (status, created_at DESC),
            INDEX idx_user_status_created (user_id, status, created_at DESC),
            INDEX idx_status_finalized (status, finalized_at DESC),
            FULLTEXT INDEX ft_complaint_text (complaint_text),
            FULLTEXT INDEX ft_fir_content (fir_content)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        """;

    /// <summary>Creates the table in the (fresh) database of <paramref name="connectionString"/>.</summary>
    public static async Task CreateAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(CreateTable, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts one FIR; times are UTC.</summary>
    public static async Task InsertAsync(string connectionString, string firNumber, string status, DateTimeOffset createdAt,
        DateTimeOffset? finalizedAt = null, string? complaint = null, string? content = null, string? userId = "user-1", string? sessionId = null)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            """
            SET time_zone = '+00:00';
            INSERT INTO fir_records (fir_number, session_id, user_id, status, complaint_text, fir_content, created_at, finalized_at)
            VALUES (@fir, @session, @user, @status, @complaint, @content, @created, @finalized)
            """, connection);
        command.Parameters.AddWithValue("@fir", firNumber);
        command.Parameters.AddWithValue("@session", sessionId ?? $"session-{firNumber}");
        command.Parameters.AddWithValue("@user", userId);
        command.Parameters.AddWithValue("@status", status);
        command.Parameters.AddWithValue("@complaint", complaint ?? $"Complaint text of {firNumber}.");
        command.Parameters.AddWithValue("@content", content ?? $$"""{"incident_type": "theft", "place": "Test Street", "fir": "{{firNumber}}"}""");
        command.Parameters.AddWithValue("@created", createdAt.UtcDateTime);
        command.Parameters.AddWithValue("@finalized", finalizedAt?.UtcDateTime);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }
}
