using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// The local demo's stand-in for AFIRGen's database: <see cref="SampleFirs"/> in memory, with the
/// archive ledger and the sent-mail ledger in memory too (lost when the host stops). Registered only when
/// <c>Afirgen:Demo:Enabled</c> is true and no <c>Afirgen:Database:ConnectionString</c> is set.
/// </summary>
public sealed class DemoFirStore(TimeProvider time) : IFirStore, IArchiveLedger, ISentMailLedger
{
    private readonly IReadOnlyList<FirRecord> _firs = SampleFirs.Create(time.GetUtcNow());
    private readonly ConcurrentDictionary<string, ArchiveRun> _archived = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sent = new(StringComparer.Ordinal);

    public Task<FirRecord?> FindAsync(string firNumber, CancellationToken cancellationToken) =>
        Task.FromResult(_firs.FirstOrDefault(f => f.FirNumber == firNumber));

    public Task<IReadOnlyList<FirRecord>> FindManyAsync(IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FirRecord>>(_firs.Where(f => firNumbers.Contains(f.FirNumber)).ToList());

    public Task<FirStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return Task.FromResult(new FirStatistics(
            _firs.GroupBy(f => f.Status).ToDictionary(g => g.Key, g => (long)g.Count()),
            _firs.Count(f => f.CreatedAt >= today),
            _firs.Count(f => f.CreatedAt >= now.AddDays(-7)),
            _firs.Count(f => f.CreatedAt >= now.AddDays(-30))));
    }

    public Task<IReadOnlyList<DailyCount>> GetDailyCountsAsync(TrendKind kind, DateOnly first, DateOnly last, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DailyCount>>(_firs
            .Select(f => (Fir: f, At: kind == TrendKind.Finalized ? f.FinalizedAt : f.CreatedAt))
            .Where(x => x.At is { } at && DateOnly.FromDateTime(at.UtcDateTime) >= first && DateOnly.FromDateTime(at.UtcDateTime) <= last)
            .GroupBy(x => (Day: DateOnly.FromDateTime(x.At!.Value.UtcDateTime), x.Fir.Status))
            .Select(g => new DailyCount(g.Key.Day, g.Key.Status, g.Count()))
            .ToList());

    public Task<ArchiveRun?> FindRunAsync(string taskId, CancellationToken cancellationToken)
    {
        var marks = _archived.Values.Where(r => r.TaskId == taskId).ToList();
        return Task.FromResult(marks.Count == 0 ? null : marks[0] with { RecordCount = marks.Count });
    }

    public Task<IReadOnlyList<ArchiveCandidate>> FindUnarchivedAsync(DateTimeOffset finalizedBefore, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ArchiveCandidate>>(_firs
            .Where(f => f.Status == FirStatuses.Finalized && f.FinalizedAt < finalizedBefore && !_archived.ContainsKey(f.FirNumber))
            .OrderBy(f => f.FinalizedAt)
            .Take(limit)
            .Select(f => new ArchiveCandidate(f.FirNumber, JsonSerializer.SerializeToNode(new Dictionary<string, object?>
            {
                ["fir_number"] = f.FirNumber, ["session_id"] = f.SessionId, ["user_id"] = f.UserId, ["status"] = f.Status,
                ["complaint_text"] = f.ComplaintText, ["fir_content"] = f.FirContent,
                ["created_at"] = f.CreatedAt.ToString("O"), ["finalized_at"] = f.FinalizedAt?.ToString("O"),
            })!.AsObject()))
            .ToList());

    public Task MarkArchivedAsync(ArchiveRun run, IReadOnlyCollection<string> firNumbers, CancellationToken cancellationToken)
    {
        foreach (var fir in firNumbers) _archived.TryAdd(fir, run);
        return Task.CompletedTask;
    }

    public Task<bool> WasSentAsync(string taskId, CancellationToken cancellationToken) => Task.FromResult(_sent.ContainsKey(taskId));

    public Task RecordSentAsync(string taskId, string messageId, CancellationToken cancellationToken)
    {
        _sent.TryAdd(taskId, messageId);
        return Task.CompletedTask;
    }
}
