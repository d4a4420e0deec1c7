using System.Collections.Concurrent;

namespace Afirgen.TaskProcessor.Engine.Batching;

/// <summary>
/// Group commit: operations added from many tasks at once go out together, one call per batch, so under load one
/// round trip and one server-side run serve many tasks, while an operation alone goes out at once, from the caller's
/// thread, as a batch of one. At most a few batches are out at a time; what arrives meanwhile waits for the next.
/// </summary>
/// <remarks>
/// <para>The batch sender completes each operation (its result or its failure); this class only decides what goes
/// together. A sender that throws fails nothing by itself, so senders catch and complete.</para>
/// <para>Holds operations only between their addition and their send: a process that dies loses them as it loses
/// the callers awaiting them, and every caller's durable state is elsewhere (the broker's record of a delivery, or
/// the result not yet written), so a lost operation is redone by the redelivery that follows.</para>
/// </remarks>
/// <typeparam name="T">An operation, carrying its own completion.</typeparam>
public sealed class GroupCommit<T> : IAsyncDisposable
{
    private readonly Func<List<T>, Task> _sendBatch;
    private readonly int _maxBatch;
    private readonly int _maxBatchesInFlight;
    // Adders enqueue without a lock (a channel's writer lock was contended by every task); the pump is woken only
    // when it may be asleep.
    private readonly ConcurrentQueue<T> _waiting = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly SemaphoreSlim _inFlight;
    private readonly Task _pump;
    private int _pumpAwake;
    private int _disposeStarted;
    private volatile bool _disposed;

    /// <param name="sendBatch">Sends one batch and completes each of its operations; never given an empty batch.</param>
    /// <param name="maxBatch">The most operations in one batch.</param>
    /// <param name="maxBatchesInFlight">The most batches out at once.</param>
    public GroupCommit(Func<List<T>, Task> sendBatch, int maxBatch = 256, int maxBatchesInFlight = 2)
    {
        ArgumentNullException.ThrowIfNull(sendBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchesInFlight, 1);
        _sendBatch = sendBatch;
        _maxBatch = maxBatch;
        _maxBatchesInFlight = maxBatchesInFlight;
        _inFlight = new SemaphoreSlim(maxBatchesInFlight, maxBatchesInFlight);
        _pump = PumpAsync();
    }

    /// <summary>Sends <paramref name="operation"/> in the next batch, or at once when nothing else is waiting or out.</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="DisposeAsync()"/>.</exception>
    public void Add(T operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Alone (the pump asleep, nothing waiting, no batch out): sent from here, as the batch of one the pump would
        // make, without waking the pump first. Under load batches are out and operations wait for the pump.
        if (Volatile.Read(ref _pumpAwake) == 0 && _waiting.IsEmpty && _inFlight.CurrentCount == _maxBatchesInFlight && _inFlight.Wait(0))
        {
            _ = SendAsync([operation]);
            return;
        }
        _waiting.Enqueue(operation);
        if (Interlocked.Exchange(ref _pumpAwake, 1) == 0)
        {
            _signal.Release();
        }
    }

    private async Task PumpAsync()
    {
        // Yield first so the constructor returns, then serve until disposed.
        await Task.Yield();
        while (true)
        {
            await _signal.WaitAsync().ConfigureAwait(false);
            while (true)
            {
                if (_waiting.IsEmpty)
                {
                    // Going to sleep: say so, then look once more, so an operation added in between either sees the
                    // flag down (and wakes us) or is found here.
                    Volatile.Write(ref _pumpAwake, 0);
                    if (_waiting.IsEmpty || Interlocked.Exchange(ref _pumpAwake, 1) == 1)
                    {
                        break;
                    }
                }
                await _inFlight.WaitAsync().ConfigureAwait(false);
                var batch = new List<T>();
                while (batch.Count < _maxBatch && _waiting.TryDequeue(out var operation))
                {
                    batch.Add(operation);
                }
                if (batch.Count == 0)
                {
                    _inFlight.Release();
                    continue;
                }
                // Owned: at most _maxBatchesInFlight at once, awaited through _inFlight on dispose.
                _ = SendAsync(batch);
            }
            if (_disposed && _waiting.IsEmpty)
            {
                return;
            }
        }
    }

    private async Task SendAsync(List<T> batch)
    {
        try
        {
            await _sendBatch(batch).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>
    /// Sends what is waiting, waits for every batch out, then refuses more. Operations added while it ran are handed to
    /// <paramref name="strand"/> (to fail them) rather than left waiting for ever. A second call does nothing.
    /// </summary>
    public async ValueTask DisposeAsync(Action<T> strand)
    {
        ArgumentNullException.ThrowIfNull(strand);
        if (Interlocked.Exchange(ref _disposeStarted, 1) == 1)
        {
            return;
        }
        _disposed = true;
        _signal.Release();
        await _pump.ConfigureAwait(false);
        while (_waiting.TryDequeue(out var stranded))
        {
            strand(stranded);
        }
        for (var i = 0; i < _maxBatchesInFlight; i++)
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
        }
        _inFlight.Dispose();
        _signal.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync(Action{T})"/>
    public ValueTask DisposeAsync() => DisposeAsync(static _ => { });
}
