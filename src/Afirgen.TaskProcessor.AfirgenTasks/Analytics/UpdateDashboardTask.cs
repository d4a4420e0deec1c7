using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Cache;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Analytics;

/// <summary>
/// <c>update_dashboard()</c>: counts FIRs in <c>fir_records</c> (total, pending, completed, per status, created
/// today / in 7 days / in 30 days) and writes the snapshot as JSON to <c>analytics:dashboard:current</c> with
/// the snapshot TTL. Running it again replaces the snapshot. Result: <c>metrics_updated</c>.
/// </summary>
public sealed class UpdateDashboardTask(IFirStore firs, AfirgenCache cache, TimeProvider time, ILogger<UpdateDashboardTask> logger) : ITaskHandler
{
    /// <summary>The metric names the snapshot holds, as the result lists them.</summary>
    public static IReadOnlyList<string> Metrics { get; } =
        ["total_firs", "pending_firs", "completed_firs", "firs_by_status", "created_today", "created_this_week", "created_this_month"];

    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var now = time.GetUtcNow();
        var stats = await firs.GetStatisticsAsync(now, context.CancellationToken).ConfigureAwait(false);
        var byStatus = new JsonObject();
        foreach (var (status, count) in stats.ByStatus.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            byStatus[status] = count;
        }
        var snapshot = new JsonObject
        {
            ["total_firs"] = stats.Total,
            ["pending_firs"] = stats.Pending,
            ["completed_firs"] = stats.Completed,
            ["firs_by_status"] = byStatus,
            ["created_today"] = stats.CreatedToday,
            ["created_this_week"] = stats.CreatedThisWeek,
            ["created_this_month"] = stats.CreatedThisMonth,
            ["updated_at"] = now.ToString("O"),
            ["task_id"] = context.TaskId,
        };

        var key = AnalyticsKeys.Dashboard(cache.Options.AnalyticsNamespace);
        await cache.Database.StringSetAsync(key, snapshot.ToJsonString(), cache.Options.SnapshotTtl).ConfigureAwait(false);
        AnalyticsLog.DashboardWritten(logger, context.TaskId, key, stats.Total);

        return TaskResult.Success("Dashboard metrics updated", new JsonObject { ["metrics_updated"] = new JsonArray(Metrics.Select(m => (JsonNode?)m).ToArray()) });
    }
}
