using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// Writes this instance's monitoring state, off the runner's path: every <see cref="MonitoringOptions.FlushInterval"/>
/// the queued task events in one batch, and a heartbeat (<see cref="InstanceStateReader"/>: identity, active and reserved tasks, counters)
/// every <see cref="MonitoringOptions.HeartbeatInterval"/> or sooner when tasks started or finished. On a
/// clean stop it writes what is left and removes the instance. Both hosts run it (<c>AddTaskProcessor</c>).
/// </summary>
public sealed class MonitoringService : BackgroundService
{
    // Tasks per index script call: short runs, so the result writes of running tasks and the API's enqueues (on the
    // same Redis, and on the same connection) are not held up behind a long one. 128 a call took 1.4 ms of Redis time
    // at the median; 32 take about a third of a millisecond.
    private const int MaxBatch = 32;
    // A call with nothing to drop costs two reads, so checking every second keeps the index within a second of its cap.
    private static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(1);
    // Trim calls per tick while the index is over its cap or holds expired entries: a busy fleet indexes tens of
    // thousands of tasks a second, and the cap must hold against that (one call every minute did not). Each call is
    // short (the Redis store drops 250 entries a call), so other clients' commands run between them.
    private const int MaxTrimCallsPerTick = 80;
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(3);

    private readonly TaskMonitor _monitor;
    private readonly IMonitoringStore _store;
    private readonly InstanceStateReader _state;
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _failing;
    private long _droppedReported;

    public MonitoringService(TaskMonitor monitor, IMonitoringStore store, InstanceStateReader state, IOptions<MonitoringOptions> options,
        TimeProvider time, ILogger<MonitoringService> logger)
    {
        _monitor = monitor;
        _store = store;
        _state = state;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastHeartbeat = DateTimeOffset.MinValue;
        var lastTrim = _time.GetUtcNow();
        var lastVersion = -1L;
        var trimBehind = false;
        using var timer = new PeriodicTimer(_options.FlushInterval, _time);
        do
        {
            var now = _time.GetUtcNow();
            var version = _monitor.Version;
            await TryAsync(() => FlushEventsAsync(stoppingToken)).ConfigureAwait(false);
            if (now - lastHeartbeat >= _options.HeartbeatInterval || version != lastVersion)
            {
                if (await TryAsync(() => _store.PublishInstanceAsync(_state.Read(now), _state.HeartbeatLifetime, stoppingToken)).ConfigureAwait(false))
                {
                    lastHeartbeat = now;
                    lastVersion = version;
                }
            }
            if (trimBehind || now - lastTrim >= TrimInterval)
            {
                lastTrim = now;
                var more = true;
                for (var call = 0; more && call < MaxTrimCallsPerTick && !stoppingToken.IsCancellationRequested; call++)
                {
                    more = await TryAsync(async () => more = await _store.TrimAsync(stoppingToken).ConfigureAwait(false)).ConfigureAwait(false) && more;
                }
                // Entries still left: go on at the next tick rather than wait for the interval.
                trimBehind = more;
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // The consumers stopped before this service (hosted services stop in reverse order): write their
        // last events, then leave the registry, since nothing of this instance is running any more.
        using var timeout = new CancellationTokenSource(FinalWriteTimeout, _time);
        await TryAsync(() => FlushEventsAsync(timeout.Token)).ConfigureAwait(false);
        await TryAsync(() => _store.RemoveInstanceAsync(_state.Name, timeout.Token)).ConfigureAwait(false);
    }

    /// <summary>Writes the queued task events; returns whether anything was written (an empty flush reaches no store).</summary>
    private async Task<bool> FlushEventsAsync(CancellationToken cancellationToken)
    {
        // Everything queued since the last flush (events that arrive meanwhile wait for the next), merged per task
        // before anything is written: a task's events mostly fall within one interval, so a quick task costs one
        // index write rather than one per event (taken in fixed slices, its start and end often fell apart).
        var taken = new List<TaskIndexEntry>();
        for (var queued = _monitor.PendingEvents; taken.Count < queued && _monitor.TryTake(out var update);)
        {
            taken.Add(update);
        }
        foreach (var slice in TaskIndexEntry.OnePerTask(taken).Chunk(MaxBatch))
        {
            await _store.WriteTaskUpdatesAsync(slice, cancellationToken).ConfigureAwait(false);
        }
        var dropped = _monitor.DroppedEvents;
        if (dropped != _droppedReported)
        {
            MonitoringLog.EventsDropped(_logger, dropped - _droppedReported);
            _droppedReported = dropped;
        }
        return taken.Count > 0;
    }

    private Task<bool> TryAsync(Func<Task> write) => TryAsync(async () =>
    {
        await write().ConfigureAwait(false);
        return true;
    });

    /// <summary>
    /// Runs a write, logging the first failure of an outage and its end: the end only once a write has reached the
    /// store (<paramref name="write"/> returns whether it did), not after an empty flush that tried nothing.
    /// </summary>
    private async Task<bool> TryAsync(Func<Task<bool>> write)
    {
        try
        {
            var reached = await write().ConfigureAwait(false);
            if (_failing && reached)
            {
                _failing = false;
                MonitoringLog.WriteRecovered(_logger);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception ex)
        {
            // Monitoring must never stop the work it watches: say so once per outage and carry on.
            if (!_failing)
            {
                _failing = true;
                MonitoringLog.WriteFailed(_logger, ex);
            }
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
