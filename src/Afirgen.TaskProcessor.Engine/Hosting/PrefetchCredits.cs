namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// One consumed queue's prefetch: how many more messages its loop may take before some it holds are settled. The
/// count can change while messages are held (Celery's <c>pool_grow</c>/<c>pool_shrink</c> move the prefetch with the
/// pool): growing frees credits at once; shrinking takes free ones and makes the loop keep back, as debt, the
/// credits of messages settled later, until the new count is reached.
/// </summary>
internal sealed class PrefetchCredits(int count) : IDisposable
{
    private readonly object _lock = new();
    private readonly SemaphoreSlim _free = new(count);
    private int _debt;

    /// <summary>Waits for one credit.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _free.WaitAsync(cancellationToken);

    /// <summary>Takes one credit if one is free now.</summary>
    public bool TryTake() => _free.Wait(0);

    /// <summary>Gives back <paramref name="n"/> credits (messages settled, or fewer received than asked for).</summary>
    public void Return(int n = 1)
    {
        lock (_lock)
        {
            var paid = Math.Min(n, _debt);
            _debt -= paid;
            n -= paid;
        }
        if (n > 0)
        {
            _free.Release(n);
        }
    }

    /// <summary>Changes the count by <paramref name="delta"/>.</summary>
    public void Resize(int delta)
    {
        if (delta > 0)
        {
            Return(delta);
            return;
        }
        var owed = -delta;
        while (owed > 0 && _free.Wait(0))
        {
            owed--;
        }
        lock (_lock)
        {
            _debt += owed;
        }
    }

    public void Dispose() => _free.Dispose();
}
