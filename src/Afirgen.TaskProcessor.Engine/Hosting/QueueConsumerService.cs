using System.Collections.Concurrent;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// Pulls messages from each consumed queue (for hosts whose broker does not push, such as the local
/// host), keeps at most the prefetch count per queue in hand, hands each to the <see cref="TaskRunner"/>
/// and renews the locks of long runs. Stops in three stages: stop receiving; let in-flight tasks finish
/// within the host's shutdown timeout; then cancel them and abandon their messages for redelivery.
/// </summary>
public sealed class QueueConsumerService : IHostedService, IDisposable
{
    private static readonly TimeSpan ReceiveRetryDelay = TimeSpan.FromSeconds(1);

    private readonly IMessageSource _source;
    private readonly TaskRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WorkerOptions _worker;
    private readonly BrokerQueueOptions _broker;
    private readonly IReadOnlyList<string> _queues;
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<ReceivedDelivery, InFlight> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _loops = [];
    private int _running;
    private volatile bool _stopping;
    private int _disposed;

    public QueueConsumerService(IMessageSource source, TaskRunner runner, TaskRouter router, TimeProvider time,
        IOptions<WorkerOptions> worker, IOptions<BrokerQueueOptions> broker, ILogger<QueueConsumerService> logger)
    {
        _source = source;
        _runner = runner;
        _time = time;
        _logger = logger;
        _worker = worker.Value;
        _broker = broker.Value;
        _queues = _worker.Queues.Count > 0 ? _worker.Queues : router.Queues;
    }

    /// <summary>The queues this instance consumes.</summary>
    public IReadOnlyList<string> Queues => _queues;

    /// <summary>Messages received and not yet settled.</summary>
    public int InFlightCount => Volatile.Read(ref _running);

    /// <summary>The messages received and not yet settled, running or waiting for a slot (for monitoring).</summary>
    public IReadOnlyList<(ReceivedMessage Message, DateTimeOffset ReceivedAt)> Held() =>
        _inFlight.Select(kv => (kv.Key.Message, kv.Value.ReceivedAt)).ToArray();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
        {
            HostingLog.Consuming(_logger, queue, _worker.PrefetchCount);
            _loops.Add(ConsumeAsync(queue, _stopReceiving.Token));
        }
        _loops.Add(RenewLocksAsync(_abort.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        HostingLog.Draining(_logger, InFlightCount);
        if (Volatile.Read(ref _running) == 0)
        {
            _drained.TrySetResult();
        }
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            HostingLog.Aborting(_logger, InFlightCount);
            await _abort.CancelAsync().ConfigureAwait(false);
            // Cancelled runs abandon their messages quickly; wait a little for that, not for ever.
            await Task.WhenAny(_drained.Task, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
        }
        await _abort.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task ConsumeAsync(string queue, CancellationToken stopReceiving)
    {
        var prefetch = _worker.PrefetchCount;
        using var credits = new SemaphoreSlim(prefetch, prefetch);
        while (!stopReceiving.IsCancellationRequested)
        {
            try
            {
                await credits.WaitAsync(stopReceiving).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var wanted = 1;
            while (wanted < prefetch && credits.Wait(0))
            {
                wanted++;
            }

            IReadOnlyList<ReceivedDelivery> batch;
            try
            {
                batch = await _source.ReceiveAsync(queue, wanted, stopReceiving).ConfigureAwait(false);
            }
            catch (Exception ex) when (stopReceiving.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (Exception ex)
            {
                credits.Release(wanted);
                HostingLog.ReceiveFailed(_logger, ex, queue, ReceiveRetryDelay);
                try
                {
                    await Task.Delay(ReceiveRetryDelay, _time, stopReceiving).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }

            if (batch.Count < wanted)
            {
                credits.Release(wanted - batch.Count);
            }
            foreach (var delivery in batch)
            {
                Interlocked.Increment(ref _running);
                _inFlight[delivery] = new InFlight(delivery.Message.LockedUntil, _time.GetUtcNow());
                // Owned: counted in _running and awaited through _drained on shutdown. The global queue keeps
                // hand-offs roughly in arrival order (the gate orders by enqueued time in any case).
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Service.RunOneAsync(state.Delivery, state.Credits),
                    (Service: this, Delivery: delivery, Credits: credits), preferLocal: false);
            }
        }
    }

    private async Task RunOneAsync(ReceivedDelivery delivery, SemaphoreSlim credits)
    {
        try
        {
            await _runner.RunAsync(delivery, _abort.Token).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(delivery, out _);
            try
            {
                credits.Release();
            }
            catch (ObjectDisposedException)
            {
                // The queue's loop has ended (shutdown); no more credits are needed.
            }
            if (Interlocked.Decrement(ref _running) == 0 && _stopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    private async Task RenewLocksAsync(CancellationToken cancellationToken)
    {
        // One sweep for every running message instead of a timer each: renew what expires within half a lock.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _broker.LockDuration.Ticks / 4));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                foreach (var (delivery, state) in _inFlight)
                {
                    if (state.LockedUntil - now > _broker.LockDuration / 2 || now - state.ReceivedAt > _worker.MaxLockRenewal)
                    {
                        continue;
                    }
                    try
                    {
                        var until = await delivery.Settlement.RenewLockAsync(cancellationToken).ConfigureAwait(false);
                        _inFlight.TryUpdate(delivery, state with { LockedUntil = until }, state);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        HostingLog.RenewFailed(_logger, ex, delivery.Message.MessageId, delivery.Message.Queue);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        // The container disposes this twice (as itself and as the hosted service it resolves to).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // Disposed without StopAsync when the host failed to start: stop the loops before the broker goes.
        _stopReceiving.Cancel();
        _abort.Cancel();
        _stopReceiving.Dispose();
        _abort.Dispose();
    }

    private sealed record InFlight(DateTimeOffset LockedUntil, DateTimeOffset ReceivedAt);
}
