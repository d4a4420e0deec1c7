using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Cache;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Analytics;

/// <summary>
/// <c>process_data(data_type, date_range={start_date, end_date})</c>: per-day, per-status FIR counts over the
/// range (both days included, UTC), written as JSON to <c>analytics:trends:&lt;data_type&gt;:&lt;start&gt;_&lt;end&gt;</c>.
/// <c>data_type</c> is <c>fir_created</c> (by day created) or <c>fir_finalized</c> (by day finalized).
/// Result: <c>data_type</c>, <c>date_range</c>, <c>records_processed</c> (FIRs counted).
/// </summary>
public sealed class ProcessDataTask(IFirStore firs, AfirgenCache cache, TimeProvider time, ILogger<ProcessDataTask> logger) : ITaskHandler
{
    /// <summary>A longer range is almost certainly a typo in a year; ten years of days is plenty.</summary>
    public const int MaxDays = 3660;

    public static IReadOnlyDictionary<string, TrendKind> DataTypes { get; } = new Dictionary<string, TrendKind>
    {
        ["fir_created"] = TrendKind.Created,
        ["fir_finalized"] = TrendKind.Finalized,
    };

    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var dataType = context.Get<string>("data_type")?.Trim();
        if (dataType is null || !DataTypes.TryGetValue(dataType, out var kind))
        {
            throw new PermanentTaskException($"data_type '{dataType}' is not known; use one of: {string.Join(", ", DataTypes.Keys)}.");
        }
        var range = context.Get<JsonObject>("date_range")
            ?? throw new PermanentTaskException("date_range is missing: pass {\"start_date\": \"YYYY-MM-DD\", \"end_date\": \"YYYY-MM-DD\"}.");
        var start = ReadDate(range, "start_date");
        var end = ReadDate(range, "end_date");
        if (end < start)
        {
            throw new PermanentTaskException($"date_range ends ({end:yyyy-MM-dd}) before it starts ({start:yyyy-MM-dd}); swap start_date and end_date.");
        }
        var days = end.DayNumber - start.DayNumber + 1;
        if (days > MaxDays)
        {
            throw new PermanentTaskException($"date_range spans {days} days; at most {MaxDays} are aggregated at once.");
        }

        var counts = await firs.GetDailyCountsAsync(kind, start, end, context.CancellationToken).ConfigureAwait(false);
        var series = new JsonArray();
        foreach (var day in counts.GroupBy(c => c.Day).OrderBy(g => g.Key))
        {
            var byStatus = new JsonObject();
            foreach (var c in day.OrderBy(c => c.Status, StringComparer.Ordinal)) byStatus[c.Status] = c.Count;
            series.Add(new JsonObject { ["date"] = day.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["total"] = day.Sum(c => c.Count), ["by_status"] = byStatus });
        }
        var processed = counts.Sum(c => c.Count);
        var echo = new JsonObject { ["start_date"] = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["end_date"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
        var snapshot = new JsonObject
        {
            ["data_type"] = dataType,
            ["date_range"] = echo.DeepClone(),
            ["records_processed"] = processed,
            ["days"] = series,
            ["updated_at"] = time.GetUtcNow().ToString("O"),
        };

        var key = AnalyticsKeys.Trend(cache.Options.AnalyticsNamespace, dataType, start, end);
        await cache.Database.StringSetAsync(key, snapshot.ToJsonString(), cache.Options.SnapshotTtl).ConfigureAwait(false);
        AnalyticsLog.TrendWritten(logger, context.TaskId, dataType, key, processed, days);

        return TaskResult.Success($"Processed {processed} FIRs for {dataType}",
            new JsonObject { ["data_type"] = dataType, ["date_range"] = echo, ["records_processed"] = processed });
    }

    private static DateOnly ReadDate(JsonObject range, string name)
    {
        var text = range[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim() : null;
        if (text is null)
        {
            throw new PermanentTaskException($"date_range.{name} is missing: pass a date as YYYY-MM-DD.");
        }
        // AFIRGen may pass a date or a full ISO timestamp; the day is what counts.
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
        {
            return DateOnly.FromDateTime(timestamp.UtcDateTime);
        }
        throw new PermanentTaskException($"date_range.{name} '{text}' is not a date; use YYYY-MM-DD.");
    }
}
