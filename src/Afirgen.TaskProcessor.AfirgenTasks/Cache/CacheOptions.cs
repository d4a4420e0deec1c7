namespace Afirgen.TaskProcessor.AfirgenTasks.Cache;

/// <summary>AFIRGen's Redis cache, where analytics snapshots go and stale entries are cleared. Section <c>Afirgen:Cache</c>.</summary>
public sealed class CacheOptions
{
    public const string Section = "Afirgen:Cache";

    /// <summary>A StackExchange.Redis configuration string; empty: the processor's own Redis (<c>TaskProcessor:Redis:Configuration</c>).</summary>
    public string? Configuration { get; set; }

    /// <summary>The Redis database AFIRGen's cache uses.</summary>
    public int Database { get; set; }

    /// <summary>AFIRGen's cache namespaces (keys are <c>&lt;namespace&gt;:&lt;entity&gt;:&lt;id&gt;</c>); clear_expired_cache scans only these.</summary>
    public List<string> Namespaces { get; set; } = ["fir", "violation", "kb", "default"];

    /// <summary>
    /// The namespace analytics snapshots are written under (<c>analytics:dashboard:current</c>,
    /// <c>analytics:trends:…</c>). Not one clear_expired_cache scans.
    /// </summary>
    public string AnalyticsNamespace { get; set; } = "analytics";

    /// <summary>How long an analytics snapshot lives; AFIRGen sets every cache key with a TTL, and so do we.</summary>
    public TimeSpan SnapshotTtl { get; set; } = TimeSpan.FromDays(2);
}
