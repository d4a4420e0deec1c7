using MySqlConnector;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary><see cref="ISentMailLedger"/> in the processor's <c>afirgen_tasks_sent_mail</c> table.</summary>
public sealed class MySqlSentMailLedger(MySqlDatabase database) : ISentMailLedger
{
    public async Task<bool> WasSentAsync(string taskId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand($"SELECT 1 FROM {ProcessorSchema.SentMailTable} WHERE task_id = @task", connection);
        command.Parameters.AddWithValue("@task", taskId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task RecordSentAsync(string taskId, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"INSERT IGNORE INTO {ProcessorSchema.SentMailTable} (task_id, message_id) VALUES (@task, @message)", connection);
        command.Parameters.AddWithValue("@task", taskId);
        command.Parameters.AddWithValue("@message", messageId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
