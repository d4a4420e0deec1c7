namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>
/// The processor's own tables in AFIRGen's database, created on first use. Idempotent (<c>IF NOT EXISTS</c>),
/// so every instance may run it; AFIRGen's own tables are never touched.
/// </summary>
public static class ProcessorSchema
{
    public const string ArchivedFirsTable = "afirgen_tasks_archived_firs";
    public const string SentMailTable = "afirgen_tasks_sent_mail";

    public const string Sql = $"""
        CREATE TABLE IF NOT EXISTS {ArchivedFirsTable} (
            fir_number VARCHAR(255) NOT NULL PRIMARY KEY,
            task_id VARCHAR(255) NOT NULL,
            blob_name VARCHAR(1024) NOT NULL,
            blob_sha256 CHAR(64) NOT NULL,
            archived_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            INDEX idx_archived_task (task_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        CREATE TABLE IF NOT EXISTS {SentMailTable} (
            task_id VARCHAR(255) NOT NULL PRIMARY KEY,
            message_id VARCHAR(255) NOT NULL,
            sent_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        """;
}
