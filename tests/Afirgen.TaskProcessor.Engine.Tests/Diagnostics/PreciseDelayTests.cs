using System.Diagnostics;
using Afirgen.TaskProcessor.Engine.Diagnostics;

namespace Afirgen.TaskProcessor.Engine.Tests.Diagnostics;

public sealed class PreciseDelayTests
{
    [Fact]
    public async Task Waits_NeverEndBeforeTheirDelay_AndEndInOrderOfDueTime()
    {
        var ended = new List<int>();
        var started = Stopwatch.GetTimestamp();
        // Enqueued out of order, so a later-arriving earlier wait must wake the thread sooner.
        var delays = new[] { 60, 20, 40, 5, 30 };
        var waits = delays.Select(async ms =>
        {
            await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(ms), CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(started);
            lock (ended) ended.Add(ms);
            return (ms, elapsed);
        }).ToArray();

        var results = await Task.WhenAll(waits);

        Assert.All(results, r => Assert.True(r.elapsed >= TimeSpan.FromMilliseconds(r.ms), $"a {r.ms} ms wait ended after {r.elapsed.TotalMilliseconds:F2} ms"));
        Assert.Equal(delays.Order(), ended);
    }

    [Fact]
    public async Task ACancelledWait_EndsAtOnce_AsCancelled_AndLaterWaitsStillEnd()
    {
        using var cancel = new CancellationTokenSource();
        var longWait = PreciseDelay.WaitAsync(TimeSpan.FromHours(1), cancel.Token);
        cancel.Cancel();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => longWait);
        Assert.Equal(cancel.Token, ex.CancellationToken);
        // The hour-long entry stays queued (skipped when due); it must not hold up a short wait behind it.
        await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(5), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ZeroAndAlreadyCancelled_EndWithoutWaiting()
    {
        Assert.True(PreciseDelay.WaitAsync(TimeSpan.Zero, CancellationToken.None).IsCompletedSuccessfully);
        var cancelled = PreciseDelay.WaitAsync(TimeSpan.FromSeconds(1), new CancellationToken(canceled: true));
        Assert.True(cancelled.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }
}
