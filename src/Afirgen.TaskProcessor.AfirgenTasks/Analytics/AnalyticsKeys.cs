namespace Afirgen.TaskProcessor.AfirgenTasks.Analytics;

/// <summary>
/// Where analytics snapshots live in AFIRGen's cache, in its <c>&lt;namespace&gt;:&lt;entity&gt;:&lt;id&gt;</c>
/// form under the analytics namespace (<c>Afirgen:Cache:AnalyticsNamespace</c>, default <c>analytics</c>).
/// </summary>
public static class AnalyticsKeys
{
    /// <summary>The dashboard snapshot update_dashboard writes: <c>analytics:dashboard:current</c>.</summary>
    public static string Dashboard(string ns) => $"{ns}:dashboard:current";

    /// <summary>process_data's result for one data type and range: <c>analytics:trends:fir_created:2026-01-01_2026-01-31</c>.</summary>
    public static string Trend(string ns, string dataType, DateOnly start, DateOnly end) => $"{ns}:trends:{dataType}:{start:yyyy-MM-dd}_{end:yyyy-MM-dd}";
}
