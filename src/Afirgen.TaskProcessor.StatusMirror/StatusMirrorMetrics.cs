using System.Diagnostics.Metrics;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// What the mirror wrote, gave up on and dropped, as counters (meter <c>Afirgen.TaskProcessor.StatusMirror</c>,
/// exported by whatever telemetry the host wires) and as totals for logs and tests.
/// </summary>
public sealed class StatusMirrorMetrics : IDisposable
{
    /// <summary>The meter's name, for exporters to subscribe to.</summary>
    public const string MeterName = "Afirgen.TaskProcessor.StatusMirror";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _written;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dropped;
    private long _writtenTotal;
    private long _failedTotal;
    private long _droppedTotal;

    public StatusMirrorMetrics()
    {
        _written = _meter.CreateCounter<long>("afirgen.status_mirror.updates.written", "{update}", "Row updates sent to background_tasks.");
        _failed = _meter.CreateCounter<long>("afirgen.status_mirror.updates.failed", "{update}", "Row updates given up after the database kept failing; reconcile repairs them.");
        _dropped = _meter.CreateCounter<long>("afirgen.status_mirror.updates.dropped", "{update}", "Row updates dropped because too many waited in memory; reconcile repairs them.");
    }

    /// <summary>Updates written so far.</summary>
    public long Written => Interlocked.Read(ref _writtenTotal);

    /// <summary>Updates given up after repeated database failures.</summary>
    public long Failed => Interlocked.Read(ref _failedTotal);

    /// <summary>Updates dropped because the in-memory queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _droppedTotal);

    internal void AddWritten(int count)
    {
        Interlocked.Add(ref _writtenTotal, count);
        _written.Add(count);
    }

    internal void AddFailed(int count)
    {
        Interlocked.Add(ref _failedTotal, count);
        _failed.Add(count);
    }

    internal void AddDropped()
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
