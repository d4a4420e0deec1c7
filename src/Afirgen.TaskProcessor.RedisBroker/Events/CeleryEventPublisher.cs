using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.Events;

/// <summary>
/// Publishes Celery's events on the <c>celeryev</c> exchange, which kombu makes a fanout on Redis: the pub/sub channel
/// <c>/&lt;db&gt;.celeryev/&lt;routing key&gt;</c>, read by <c>celery events</c>, Flower and Celery's
/// <c>app.events.Receiver</c>. The worker's own events always go out (<c>worker-online</c> at the start,
/// <c>worker-heartbeat</c> every <see cref="MonitoringOptions.HeartbeatInterval"/>, <c>worker-offline</c> at a clean
/// stop), as a Celery worker sends them with or without <c>-E</c>; task events (<see cref="CeleryEventObserver"/>) when
/// <see cref="MonitoringOptions.TaskEvents"/> is on (Celery's <c>-E</c>; remote control's <c>enable_events</c> and
/// <c>disable_events</c> switch them) and someone listens.
/// </summary>
/// <remarks>
/// <para>Off the runner's path: task events wait in a bounded queue (full: dropped and counted, never waited for) and
/// go out together every <see cref="FlushInterval"/> as one <c>task.multi</c> message, a list of events, which Celery's
/// own workers send and every receiver reads.</para>
/// <para>Nobody listening costs nothing per task: every publish says how many subscribers received it, and task events
/// are not even built once a <c>task.multi</c> message reached none. A worker event that reaches a subscriber, or the
/// <c>heartbeat</c> command every Celery receiver broadcasts when it starts, turns them on again.</para>
/// </remarks>
internal sealed partial class CeleryEventPublisher : BackgroundService
{
    public const string Exchange = "celeryev";
    private const int MaxEventsPerMessage = 200;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FinalPublishTimeout = TimeSpan.FromSeconds(3);
    private static readonly string SoftwareVersion =
        typeof(CeleryEventPublisher).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly KombuExchanges _exchanges;
    private readonly LamportClock _clock;
    private readonly WorkerIdentity _worker;
    private readonly RunningTasks _running;
    private readonly TaskMonitor _monitor;
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<JsonObject> _pending = new();
    private readonly int _utcOffset = PythonTime.UtcOffset();
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private int _pendingCount;
    private long _dropped;
    private long _droppedReported;
    private volatile bool _taskEvents;
    private volatile bool _listened = true;
    private bool _failing;

    public CeleryEventPublisher(KombuExchanges exchanges, LamportClock clock, WorkerIdentity worker, RunningTasks running, TaskMonitor monitor,
        IOptions<MonitoringOptions> options, TimeProvider time, ILogger<CeleryEventPublisher> logger)
    {
        _exchanges = exchanges;
        _clock = clock;
        _worker = worker;
        _running = running;
        _monitor = monitor;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _taskEvents = _options.TaskEvents;
    }

    /// <summary>Whether task events are sent (Celery's <c>-E</c>; switched by remote control).</summary>
    public bool TaskEventsEnabled => _taskEvents;

    /// <summary>Whether task events are worth building now: enabled, and someone listened to the last publish.</summary>
    public bool WantsTaskEvents => _taskEvents && _listened;

    /// <summary>Whether the API's enqueues are worth a <c>task-sent</c> event now.</summary>
    public bool WantsSentEvents => _options.SendSentEvent && _listened;

    /// <summary>Turns task events on or off (remote control's <c>enable_events</c>/<c>disable_events</c>); returns whether that changed anything.</summary>
    public bool SetTaskEvents(bool enabled)
    {
        var was = _taskEvents;
        _taskEvents = enabled;
        if (enabled)
        {
            _listened = true; // whoever asked is likely listening; the next publish says
        }
        return was != enabled;
    }

    /// <summary>Queues task event <paramref name="type"/> (<c>task-…</c>) with <paramref name="fields"/>; the worker's fields are added here.</summary>
    public void Enqueue(string type, JsonObject fields)
    {
        if (Interlocked.Increment(ref _pendingCount) > Math.Max(16, _options.MaxPendingEvents))
        {
            Interlocked.Decrement(ref _pendingCount);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _pending.Enqueue(Stamp(type, fields));
    }

    /// <summary>Sends a <c>worker-heartbeat</c> now (remote control's <c>heartbeat</c>, which every Celery receiver sends when it starts).</summary>
    public async Task SendHeartbeatAsync(CancellationToken cancellationToken)
    {
        _listened = true;
        await PublishWorkerEventAsync("worker-heartbeat", cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await TryAsync(() => PublishWorkerEventAsync("worker-online", stoppingToken)).ConfigureAwait(false);
        LogPublishing(_logger, _worker.Name, _exchanges.Channel(Exchange, "*").ToString(), _taskEvents);
        var lastHeartbeat = _time.GetUtcNow();
        using var timer = new PeriodicTimer(FlushInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryAsync(() => FlushAsync(stoppingToken)).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                if (now - lastHeartbeat >= _options.HeartbeatInterval)
                {
                    lastHeartbeat = now;
                    await TryAsync(() => PublishWorkerEventAsync("worker-heartbeat", stoppingToken)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // The consumers have stopped (they stop before this service): their last task events go out, then the worker leaves.
        using var timeout = new CancellationTokenSource(FinalPublishTimeout, _time);
        await TryAsync(() => FlushAsync(timeout.Token)).ConfigureAwait(false);
        await TryAsync(() => PublishWorkerEventAsync("worker-offline", timeout.Token)).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _publishing.Dispose();
        base.Dispose();
    }

    private JsonObject Stamp(string type, JsonObject fields)
    {
        var stamped = new JsonObject
        {
            ["hostname"] = _worker.Name,
            ["utcoffset"] = _utcOffset,
            ["pid"] = _worker.ProcessId,
            ["clock"] = _clock.Forward(),
        };
        foreach (var (key, value) in fields.ToArray())
        {
            fields.Remove(key);
            stamped[key] = value;
        }
        stamped["timestamp"] ??= PythonTime.Timestamp(_time.GetUtcNow());
        stamped["type"] = type;
        return stamped;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (!_pending.IsEmpty)
        {
            if (!_listened)
            {
                // Built while the last publish still had a listener: nobody is there to read them now.
                while (_pending.TryDequeue(out _))
                {
                    Interlocked.Decrement(ref _pendingCount);
                }
                break;
            }
            var batch = new JsonArray();
            while (batch.Count < MaxEventsPerMessage && _pending.TryDequeue(out var next))
            {
                Interlocked.Decrement(ref _pendingCount);
                batch.Add(next);
            }
            var receivers = await PublishAsync("task.multi", batch, cancellationToken).ConfigureAwait(false);
            _listened = receivers > 0;
        }
        var dropped = Interlocked.Read(ref _dropped);
        if (dropped != _droppedReported)
        {
            LogDropped(_logger, dropped - _droppedReported);
            _droppedReported = dropped;
        }
    }

    private async Task PublishWorkerEventAsync(string type, CancellationToken cancellationToken)
    {
        var processed = _monitor.Counters.Values.Sum(c => c.Received);
        var fields = new JsonObject
        {
            ["freq"] = _options.HeartbeatInterval.TotalSeconds,
            ["active"] = _running.Count,
            ["processed"] = processed,
            ["loadavg"] = LoadAverage(),
            ["sw_ident"] = "afirgen-tasks",
            ["sw_ver"] = SoftwareVersion,
            ["sw_sys"] = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "Linux" : RuntimeInformation.OSDescription,
        };
        // A worker event only turns task events on (someone listens to worker.*, likely to task.* too); only a task.multi
        // that reached nobody turns them off, so a receiver of task events alone keeps them.
        if (await PublishAsync(type.Replace('-', '.'), Stamp(type, fields), cancellationToken).ConfigureAwait(false) > 0)
        {
            _listened = true;
        }
    }

    private async Task<long> PublishAsync(string routingKey, JsonNode body, CancellationToken cancellationToken)
    {
        var envelope = KombuEnvelope.Create(body, new JsonObject { ["hostname"] = _worker.Name }, Exchange, routingKey);
        // One publish at a time: the flush, the heartbeat and a remote-control heartbeat may meet here.
        await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _exchanges.PublishAsync(Exchange, routingKey, envelope).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    private async Task TryAsync(Func<Task> publish)
    {
        try
        {
            await publish().ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                LogRecovered(_logger);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // Events must never stop the work they describe: said once per outage, the events of the outage are lost
            // (as a Celery worker's, whose buffer is in memory), the tasks go on.
            if (!_failing)
            {
                _failing = true;
                LogFailed(_logger, ex);
            }
            while (_pending.TryDequeue(out _))
            {
                Interlocked.Decrement(ref _pendingCount);
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    // os.getloadavg(), rounded as Celery rounds it.
    private static JsonArray LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return new JsonArray(
                Math.Round(double.Parse(parts[0], CultureInfo.InvariantCulture), 2),
                Math.Round(double.Parse(parts[1], CultureInfo.InvariantCulture), 2),
                Math.Round(double.Parse(parts[2], CultureInfo.InvariantCulture), 2));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return new JsonArray(0.0, 0.0, 0.0);
        }
    }

    [LoggerMessage(2200, LogLevel.Information, "Publishing Celery's events as {Worker} on {Channel} (worker events; task events {TaskEvents})")]
    private static partial void LogPublishing(ILogger logger, string worker, string channel, bool taskEvents);

    [LoggerMessage(2201, LogLevel.Warning, "Publishing Celery's events failed; events are dropped until the broker's Redis answers again, tasks go on")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(2202, LogLevel.Information, "Publishing Celery's events works again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(2203, LogLevel.Warning, "{Count} task events were dropped: more were queued than the broker took (TaskProcessor:Monitoring:MaxPendingEvents)")]
    private static partial void LogDropped(ILogger logger, long count);
}
