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
/// and renews the locks of every message it holds, waiting or running. Stops in three stages: stop receiving
/// and give every held message that has not started back to the broker at once; let running tasks finish
/// within the host's shutdown timeout; then cancel what still runs and give its messages back too. Then it
/// logs one line with the counts.
/// </summary>
/// <remarks>
/// <para>Queues can be added and cancelled while it runs (Celery's <c>add_consumer</c>/<c>cancel_consumer</c>): a
/// cancelled queue's loop stops receiving; the messages it holds run on and are settled as usual.</para>
/// Where a held message goes when the process dies: nowhere but the broker. It stays locked there (leased, on the
/// Redis transport) until its lock expires unrenewed, and is then delivered again; nothing is kept only here.
/// </remarks>
public sealed class QueueConsumerService : IHostedService, IDisposable
{
    private static readonly TimeSpan ReceiveRetryDelay = TimeSpan.FromSeconds(1);

    private readonly IMessageSource _source;
    private readonly IQueueStatisticsSource? _statistics;
    private readonly TaskRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WorkerOptions _worker;
    private readonly BrokerQueueOptions _broker;
    private readonly object _queuesLock = new();
    // The queues consumed now, in the order they were added, each with its loop's stop and prefetch credits.
    private readonly List<(string Queue, CancellationTokenSource Stop, PrefetchCredits Credits)> _queues = [];
    private int _prefetch;
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _giveBack = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<ReceivedDelivery, InFlight> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _loops = [];
    private int _running;
    private volatile bool _stopping;
    private int _disposed;
    private int _renewFailing;
    private int _receiveFailing;
    // What became of the deliveries that ended after the stop began (for the stop's one line).
    private int _finishedInGrace;
    private int _givenBack;
    private int _cancelled;

    public QueueConsumerService(IMessageSource source, TaskRunner runner, TaskRouter router, TimeProvider time,
        IOptions<WorkerOptions> worker, IOptions<BrokerQueueOptions> broker, ILogger<QueueConsumerService> logger,
        IQueueStatisticsSource? statistics = null)
    {
        _source = source;
        _statistics = statistics;
        _runner = runner;
        _time = time;
        _logger = logger;
        _worker = worker.Value;
        _broker = broker.Value;
        _initialQueues = _worker.Queues.Count > 0 ? _worker.Queues : router.Queues;
        _prefetch = _worker.PrefetchCount;
    }

    private readonly IReadOnlyList<string> _initialQueues;

    /// <summary>The queues this instance consumes now.</summary>
    public IReadOnlyList<string> Queues
    {
        get
        {
            lock (_queuesLock)
            {
                return _queues.Count == 0 && !_started ? _initialQueues : _queues.Select(q => q.Queue).ToArray();
            }
        }
    }

    /// <summary>Messages taken from each queue ahead of a free slot, now.</summary>
    public int PrefetchCount => Volatile.Read(ref _prefetch);

    private bool _started;

    /// <summary>
    /// Starts consuming <paramref name="queue"/> (Celery's <c>add_consumer</c>). False when it is consumed already or
    /// the service is stopping.
    /// </summary>
    public bool AddQueue(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        lock (_queuesLock)
        {
            if (_stopping || _queues.Any(q => q.Queue == queue))
            {
                return false;
            }
            StartQueue(queue);
            return true;
        }
    }

    /// <summary>
    /// Stops receiving from <paramref name="queue"/> (Celery's <c>cancel_consumer</c>); the messages held from it run
    /// on. False when it was not consumed.
    /// </summary>
    public bool CancelQueue(string queue)
    {
        lock (_queuesLock)
        {
            var index = _queues.FindIndex(q => q.Queue == queue);
            if (index < 0)
            {
                return false;
            }
            var (_, stop, _) = _queues[index];
            _queues.RemoveAt(index);
            stop.Cancel();
            HostingLog.ConsumerCancelled(_logger, queue);
            return true;
        }
    }

    /// <summary>Changes how many messages each queue may hold ahead of a free slot (the pool's size changed).</summary>
    public void SetPrefetchCount(int prefetch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        lock (_queuesLock)
        {
            var delta = prefetch - _prefetch;
            Volatile.Write(ref _prefetch, prefetch);
            foreach (var (_, _, credits) in _queues)
            {
                try
                {
                    credits.Resize(delta);
                }
                catch (ObjectDisposedException)
                {
                    // That queue's loop has ended (the service is stopping).
                }
            }
        }
    }

    // Under _queuesLock.
    private void StartQueue(string queue)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopReceiving.Token);
        var credits = new PrefetchCredits(_prefetch);
        _queues.Add((queue, stop, credits));
        HostingLog.Consuming(_logger, queue, _prefetch);
        _loops.Add(ConsumeAsync(queue, credits, stop));
    }

    /// <summary>Messages received and not yet settled.</summary>
    public int InFlightCount => Volatile.Read(ref _running);

    /// <summary>The messages received and not yet settled, running or waiting for a slot (for monitoring).</summary>
    public IReadOnlyList<(ReceivedMessage Message, DateTimeOffset ReceivedAt)> Held() =>
        _inFlight.Select(kv => (kv.Key.Message, kv.Value.ReceivedAt)).ToArray();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_queuesLock)
        {
            _started = true;
            foreach (var queue in _initialQueues)
            {
                StartQueue(queue);
            }
            _loops.Add(RenewLocksAsync(_abort.Token));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_queuesLock)
        {
            _stopping = true;
        }
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        // Held messages that have not started go back to the broker now, for another worker or the next start.
        await _giveBack.CancelAsync().ConfigureAwait(false);
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
            await Task.WhenAny(_drained.Task, Task.Delay(TimeSpan.FromSeconds(5), _time, CancellationToken.None)).ConfigureAwait(false);
        }
        await _abort.CancelAsync().ConfigureAwait(false);
        Task[] loops;
        lock (_queuesLock)
        {
            loops = [.. _loops];
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
        await LogStoppedAsync().ConfigureAwait(false);
    }

    private async Task LogStoppedAsync()
    {
        var finished = Volatile.Read(ref _finishedInGrace);
        var givenBack = Volatile.Read(ref _givenBack);
        var cancelled = Volatile.Read(ref _cancelled);
        var stillHeld = InFlightCount;
        try
        {
            if (_statistics is null)
            {
                throw new InvalidOperationException("The broker reports no queue statistics.");
            }
            var queues = await _statistics.GetStatisticsAsync(Queues, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(false);
            HostingLog.Stopped(_logger, finished, givenBack, cancelled, stillHeld, queues.Sum(q => q.Waiting), queues.Sum(q => q.Scheduled));
        }
        catch (Exception ex)
        {
            HostingLog.StoppedWithoutCounts(_logger, ex, finished, givenBack, cancelled, stillHeld);
        }
    }

    private async Task ConsumeAsync(string queue, PrefetchCredits credits, CancellationTokenSource stop)
    {
        // Async from here on: StartQueue runs under a lock.
        await Task.Yield();
        try
        {
            await ConsumeUntilStoppedAsync(queue, credits, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            stop.Dispose();
            credits.Dispose();
        }
    }

    private async Task ConsumeUntilStoppedAsync(string queue, PrefetchCredits credits, CancellationToken stopReceiving)
    {
        while (!stopReceiving.IsCancellationRequested)
        {
            var prefetch = PrefetchCount;
            try
            {
                await credits.WaitAsync(stopReceiving).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var wanted = 1;
            while (wanted < prefetch && credits.TryTake())
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
                credits.Return(wanted);
                // Once per outage for all queues (each queue retries every second), and once when it ends.
                if (Interlocked.Exchange(ref _receiveFailing, 1) == 0)
                {
                    HostingLog.ReceiveFailed(_logger, ex, queue, ReceiveRetryDelay);
                }
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

            if (Volatile.Read(ref _receiveFailing) == 1 && Interlocked.Exchange(ref _receiveFailing, 0) == 1)
            {
                HostingLog.ReceiveRecovered(_logger);
            }
            if (batch.Count < wanted)
            {
                credits.Return(wanted - batch.Count);
            }
            HandOff(batch, credits);
        }
    }

    /// <summary>
    /// Starts a run for each received delivery, each counted as in flight: every one but the last on the thread pool, the
    /// last on this thread.
    /// </summary>
    /// <remarks>
    /// A run started here goes on here only until its first wait: parse, admission, triage and the send of its begin,
    /// which never completes at once (<see cref="Results.IResultStore.BeginAsync"/>), so no handler runs on the receiving
    /// thread and receiving is held up by microseconds. What it saves is a hand-off to another thread, which on an idle
    /// worker (threads parked) is most of the time between a message's arrival and its begin going out.
    /// </remarks>
    private void HandOff(IReadOnlyList<ReceivedDelivery> batch, PrefetchCredits credits)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var delivery = batch[i];
            Interlocked.Increment(ref _running);
            var control = new RunControl(_giveBack.Token);
            _inFlight[delivery] = new InFlight(delivery.Message.LockedUntil, _time.GetUtcNow(), control);
            // Owned: counted in _running and awaited through _drained on shutdown. The global queue keeps
            // hand-offs roughly in arrival order (the gate orders by enqueued time in any case).
            if (i == batch.Count - 1)
            {
                _ = RunOneAsync(delivery, control, credits);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Service.RunOneAsync(state.Delivery, state.Control, state.Credits),
                    (Service: this, Delivery: delivery, Control: control, Credits: credits), preferLocal: false);
            }
        }
    }

    private async Task RunOneAsync(ReceivedDelivery delivery, RunControl control, PrefetchCredits credits)
    {
        try
        {
            var end = await _runner.RunAsync(delivery, control, _abort.Token).ConfigureAwait(false);
            if (_stopping)
            {
                switch (end)
                {
                    case RunEnd.GivenBack: Interlocked.Increment(ref _givenBack); break;
                    case RunEnd.Cancelled: Interlocked.Increment(ref _cancelled); break;
                    default: Interlocked.Increment(ref _finishedInGrace); break;
                }
            }
        }
        finally
        {
            _inFlight.TryRemove(delivery, out _);
            try
            {
                credits.Return();
            }
            catch (ObjectDisposedException)
            {
                // The queue's loop has ended (shutdown, or the queue cancelled); no more credits are needed.
            }
            if (Interlocked.Decrement(ref _running) == 0 && _stopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    private async Task RenewLocksAsync(CancellationToken cancellationToken)
    {
        // One sweep for every held message instead of a timer each, a tenth of a lock apart; a lock is renewed once
        // two thirds of it remain, so it survives a broker outage of about half a lock without expiring.
        var lockDuration = _broker.LockDuration;
        var period = TimeSpan.FromTicks(Math.Clamp(lockDuration.Ticks / 10, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                var due = new List<(ReceivedDelivery Delivery, InFlight State, Task<DateTimeOffset> Renewal)>();
                foreach (var (delivery, state) in _inFlight)
                {
                    // A message waiting for a slot is renewed for as long as it waits; a running one only up to the
                    // renewal limit (above the hard time limit), so a run that never ends does not hold it for ever.
                    if (state.LockedUntil - now > lockDuration * 2 / 3
                        || state.Control.StartedAt is { } started && now - started > _worker.MaxLockRenewal)
                    {
                        continue;
                    }
                    due.Add((delivery, state, RenewAsync(delivery.Settlement, cancellationToken)));
                }
                // Renewals go out together (a Redis connection pipelines them) and are awaited together.
                foreach (var (delivery, state, renewal) in due)
                {
                    try
                    {
                        var until = await renewal.ConfigureAwait(false);
                        _inFlight.TryUpdate(delivery, state with { LockedUntil = until }, state);
                        if (Interlocked.Exchange(ref _renewFailing, 0) == 1)
                        {
                            HostingLog.RenewRecovered(_logger);
                        }
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (MessageLockLostException)
                    {
                        HostingLog.RenewLockLost(_logger, delivery.Message.MessageId, delivery.Message.Queue);
                    }
                    catch (Exception ex)
                    {
                        // Once per outage, not once per message and sweep.
                        if (Interlocked.Exchange(ref _renewFailing, 1) == 0)
                        {
                            HostingLog.RenewFailed(_logger, ex, delivery.Message.MessageId, delivery.Message.Queue);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Async, so that a settlement that throws at once still gives a task the sweep awaits in its turn.
    private static async Task<DateTimeOffset> RenewAsync(IMessageSettlement settlement, CancellationToken cancellationToken) =>
        await settlement.RenewLockAsync(cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        // The container disposes this twice (as itself and as the hosted service it resolves to).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // Disposed without StopAsync when the host failed to start: stop the loops before the broker goes.
        _stopReceiving.Cancel();
        _giveBack.Cancel();
        _abort.Cancel();
        _stopReceiving.Dispose();
        _giveBack.Dispose();
        _abort.Dispose();
    }

    private sealed record InFlight(DateTimeOffset LockedUntil, DateTimeOffset ReceivedAt, RunControl Control);
}
