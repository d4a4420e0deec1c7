using System.Text.RegularExpressions;
using MySqlConnector;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// The SQL for each transition. Every statement only moves a row forward: terminal rows
/// (completed, failed, cancelled) are never touched again, a run never goes back behind a retry it already
/// passed, and a missing row matches nothing (rows are never created). So updates may be repeated,
/// reordered between instances, or replayed by reconciling, and the row still ends where it should.
/// </summary>
internal sealed partial class MirrorStatements
{
    private readonly string _running;
    private readonly string _retry;
    private readonly string _completed;
    private readonly string _failed;
    private readonly string _cancelled;

    public MirrorStatements(string table)
    {
        if (!TableName().IsMatch(table))
        {
            throw new ArgumentException($"The status mirror table name '{table}' may hold only letters, digits and underscores (TaskProcessor:StatusMirror:Table).", nameof(table));
        }
        const string open = "task_id = @task_id AND status IN ('pending', 'running')";
        _running = $"UPDATE `{table}` SET status = 'running', started_at = @at WHERE {open} AND retry_count <= @retry_count";
        _retry = $"UPDATE `{table}` SET status = 'pending', retry_count = @retry_count, error_message = @error WHERE {open} AND retry_count < @retry_count";
        _completed = $"UPDATE `{table}` SET status = 'completed', result = @result, completed_at = @at WHERE {open}";
        _failed = $"UPDATE `{table}` SET status = 'failed', error_message = @error, completed_at = @at WHERE {open}";
        _cancelled = $"UPDATE `{table}` SET status = 'cancelled', completed_at = @at WHERE {open}";
        SelectOpen = $"SELECT id, task_id, status, retry_count FROM `{table}` WHERE status IN ('pending', 'running') AND created_at >= @since AND id > @after ORDER BY id LIMIT @limit";
    }

    /// <summary>Rows still open, created since <c>@since</c>, with ids above <c>@after</c>, at most <c>@limit</c>.</summary>
    public string SelectOpen { get; }

    /// <summary>Adds <paramref name="update"/> to <paramref name="batch"/>.</summary>
    public void Add(MySqlBatch batch, MirrorUpdate update)
    {
        var command = new MySqlBatchCommand(update.Transition switch
        {
            MirrorTransition.Running => _running,
            MirrorTransition.RetryScheduled => _retry,
            MirrorTransition.Completed => _completed,
            MirrorTransition.Failed => _failed,
            MirrorTransition.Cancelled => _cancelled,
            _ => throw new ArgumentOutOfRangeException(nameof(update)),
        });
        command.Parameters.AddWithValue("@task_id", update.TaskId);
        // Written in UTC: the connection's session time zone is set to UTC, so TIMESTAMP columns hold
        // the right instant whatever zone the server or AFIRGen's sessions use.
        command.Parameters.AddWithValue("@at", update.At.UtcDateTime);
        command.Parameters.AddWithValue("@retry_count", update.RetryCount);
        command.Parameters.AddWithValue("@error", update.ErrorMessage);
        command.Parameters.AddWithValue("@result", update.ResultJson);
        batch.BatchCommands.Add(command);
    }

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex TableName();
}
