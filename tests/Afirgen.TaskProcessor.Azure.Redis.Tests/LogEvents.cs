using System.Globalization;
using Microsoft.Extensions.Logging.Testing;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>
/// The app's log records (a <see cref="FakeLogCollector"/>), and a way to await one by event id: the
/// refresher says when it has started waiting on the clock, which is when a test may advance it.
/// </summary>
internal sealed class LogEvents
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, int> _seen = [];
    private readonly List<(int Id, int Count, TaskCompletionSource Done)> _waiters = [];

    public FakeLogCollector Collector { get; private set; } = null!;

    /// <summary>Set as the collector's options: every record passes through <see cref="Seen"/>.</summary>
    public void Configure(FakeLogCollectorOptions options)
    {
        options.OutputFormatter = r => r.Id.Id.ToString(CultureInfo.InvariantCulture);
        options.OutputSink = Seen;
    }

    public void Attach(FakeLogCollector collector) => Collector = collector;

    /// <summary>Completes once event <paramref name="id"/> has been logged <paramref name="count"/> times in all.</summary>
    public Task WaitAsync(int id, int count = 1)
    {
        lock (_gate)
        {
            if (_seen.GetValueOrDefault(id) >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((id, count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>How many times event <paramref name="id"/> has been logged.</summary>
    public int Count(int id)
    {
        lock (_gate) { return _seen.GetValueOrDefault(id); }
    }

    /// <summary>The records of event <paramref name="id"/>.</summary>
    public IReadOnlyList<FakeLogRecord> Records(int id) => [.. Collector.GetSnapshot().Where(r => r.Id.Id == id)];

    private void Seen(string formatted)
    {
        var id = int.Parse(formatted, CultureInfo.InvariantCulture);
        lock (_gate)
        {
            _seen[id] = _seen.GetValueOrDefault(id) + 1;
            foreach (var waiter in _waiters.Where(w => w.Id == id && _seen[id] >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }
}
