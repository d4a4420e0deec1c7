using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// Drains the <see cref="StatusMirror"/>'s queue into the database in batches, retrying transient failures
/// with back-off, and every <see cref="StatusMirrorOptions.ReconcileInterval"/> reconciles open rows
/// with the results in Redis. On shutdown it flushes what is queued, for a few seconds at most.
/// </summary>
public sealed partial class StatusMirrorWriter : BackgroundService
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly StatusMirror _mirror;
    private readonly MirrorDatabase _database;
    private readonly StatusMirrorReconciler _reconciler;
    private readonly StatusMirrorMetrics _metrics;
    private readonly StatusMirrorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal StatusMirrorWriter(StatusMirror mirror, MirrorDatabase database, StatusMirrorReconciler reconciler, StatusMirrorMetrics metrics,
        IOptions<StatusMirrorOptions> options, TimeProvider time, ILogger<StatusMirrorWriter> logger)
    {
        _mirror = mirror;
        _database = database;
        _reconciler = reconciler;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconciling = _options.ReconcileInterval > TimeSpan.Zero ? ReconcileLoopAsync(stoppingToken) : Task.CompletedTask;
        var reader = _mirror.Updates;
        var batch = new List<MirrorUpdate>(_options.BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var update))
                {
                    batch.Add(update);
                }
                await WriteWithRetriesAsync(batch, stoppingToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (batch.Count > 0)
            {
                GiveUp(batch, null);
            }
        }
        await reconciling.ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // What the tasks that finished during shutdown queued: one attempt each, within a bound.
        using var flush = new CancellationTokenSource(FlushTimeout);
        var rest = new List<MirrorUpdate>();
        while (_mirror.Updates.TryRead(out var update))
        {
            rest.Add(update);
        }
        foreach (var chunk in rest.Chunk(Math.Max(1, _options.BatchSize)))
        {
            try
            {
                await _database.WriteAsync(chunk, flush.Token).ConfigureAwait(false);
                _metrics.AddWritten(chunk.Length);
            }
            catch (Exception ex)
            {
                GiveUp(chunk, ex);
            }
        }
    }

    private async Task WriteWithRetriesAsync(List<MirrorUpdate> batch, CancellationToken stoppingToken)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _database.WriteAsync(batch, stoppingToken).ConfigureAwait(false);
                _metrics.AddWritten(batch.Count);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (!MirrorDatabase.IsPermanent(ex) && attempt < _options.MaxAttempts)
            {
                LogRetrying(_logger, batch.Count, attempt, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                delay *= 2;
            }
            catch (Exception ex)
            {
                GiveUp(batch, ex);
                return;
            }
        }
    }

    private void GiveUp(IReadOnlyCollection<MirrorUpdate> updates, Exception? exception)
    {
        _metrics.AddFailed(updates.Count);
        LogGaveUp(_logger, exception, updates.Count, exception is null ? "the worker stopped first" : exception.Message);
    }

    private async Task ReconcileLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReconcileInterval, _time, stoppingToken).ConfigureAwait(false);
                var report = await _reconciler.ReconcileAsync(_options.ReconcileWindow, stoppingToken).ConfigureAwait(false);
                if (report.Updated > 0)
                {
                    LogReconciled(_logger, report.Updated, report.Examined);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReconcileFailed(_logger, ex, ex.Message);
            }
        }
    }

    [LoggerMessage(1510, LogLevel.Warning, "Writing {Count} status updates to background_tasks failed (attempt {Attempt}); trying again in {Seconds} s: {Error}")]
    private static partial void LogRetrying(ILogger logger, int count, int attempt, double seconds, string error);

    [LoggerMessage(1511, LogLevel.Error, "Gave up writing {Count} status updates to background_tasks ({Why}); their rows are repaired by reconciling (automatic, or afirgen-tasks reconcile)")]
    private static partial void LogGaveUp(ILogger logger, Exception? exception, int count, string why);

    [LoggerMessage(1512, LogLevel.Information, "Reconciling background_tasks with the results in Redis updated {Updated} of {Examined} open rows")]
    private static partial void LogReconciled(ILogger logger, int updated, int examined);

    [LoggerMessage(1513, LogLevel.Warning, "Reconciling background_tasks failed; it is tried again at the next interval: {Error}")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string error);
}
