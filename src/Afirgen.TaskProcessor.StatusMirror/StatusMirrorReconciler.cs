using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// Brings <c>background_tasks</c> in line with the results in Redis: every row still pending or running
/// is given the state its stored result says (SUCCESS → completed, FAILURE → failed, REVOKED → cancelled,
/// STARTED → running, RETRY → pending with its retry count). The same forward-only statements as the live
/// mirror are used, so reconciling never moves a row backwards. Results expire, so only rows younger
/// than the result expiry can be repaired.
/// </summary>
public sealed class StatusMirrorReconciler
{
    private const int PageSize = 500;

    private readonly IResultStore _results;
    private readonly MirrorDatabase _database;
    private readonly TimeProvider _time;

    internal StatusMirrorReconciler(IResultStore results, MirrorDatabase database, TimeProvider time)
    {
        _results = results;
        _database = database;
        _time = time;
    }

    /// <summary>Reconciles the open rows created within <paramref name="window"/>.</summary>
    public async Task<ReconcileReport> ReconcileAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var since = _time.GetUtcNow() - window;
        var examined = 0;
        var updated = 0;
        var byState = new Dictionary<string, int>(StringComparer.Ordinal);
        long after = 0;
        while (true)
        {
            var rows = await _database.ReadOpenAsync(since, after, PageSize, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                break;
            }
            after = rows[^1].Id;
            examined += rows.Count;
            var updates = new List<MirrorUpdate>();
            foreach (var row in rows)
            {
                var meta = await _results.GetAsync(row.TaskId, cancellationToken).ConfigureAwait(false);
                if (meta is not null && UpdateFor(row, meta) is { } update)
                {
                    updates.Add(update);
                    byState[meta.Status] = byState.GetValueOrDefault(meta.Status) + 1;
                }
            }
            if (updates.Count > 0)
            {
                updated += await _database.WriteAsync(updates, cancellationToken).ConfigureAwait(false);
            }
            if (rows.Count < PageSize)
            {
                break;
            }
        }
        return new ReconcileReport(examined, updated, byState);
    }

    private MirrorUpdate? UpdateFor(OpenRow row, TaskResultMeta meta)
    {
        var retries = meta.Extended?.Retries ?? row.RetryCount;
        var at = meta.DateDone ?? _time.GetUtcNow();
        return meta.Status switch
        {
            TaskStates.Success => new MirrorUpdate(MirrorTransition.Completed, row.TaskId, at, ResultJson: PythonText.ResultColumn(meta.Result)),
            TaskStates.Failure => new MirrorUpdate(MirrorTransition.Failed, row.TaskId, at,
                ErrorMessage: $"Failed after {retries} retries: {ExceptionMessage(meta.Result)}"),
            TaskStates.Revoked => new MirrorUpdate(MirrorTransition.Cancelled, row.TaskId, at),
            TaskStates.Started when row.Status == "pending" => new MirrorUpdate(MirrorTransition.Running, row.TaskId, at, RetryCount: retries),
            // The RETRY result carries the retries before the failed run; the retry about to happen is one more.
            TaskStates.Retry => new MirrorUpdate(MirrorTransition.RetryScheduled, row.TaskId, at, RetryCount: retries + 1,
                ErrorMessage: $"Retry {retries + 1}: {ExceptionMessage(meta.Result)}"),
            _ => null,
        };
    }

    private static string ExceptionMessage(JsonNode? result) => result?["exc_message"] switch
    {
        JsonArray { Count: > 0 } a => PythonText.Str(a[0]),
        JsonValue v => PythonText.Str(v),
        _ => PythonText.Str(result),
    };
}

/// <summary>What a reconcile did.</summary>
/// <param name="Examined">Open rows looked at.</param>
/// <param name="Updated">Rows changed.</param>
/// <param name="ByResultState">For the rows given an update, how many per stored result state.</param>
public sealed record ReconcileReport(int Examined, int Updated, IReadOnlyDictionary<string, int> ByResultState);
