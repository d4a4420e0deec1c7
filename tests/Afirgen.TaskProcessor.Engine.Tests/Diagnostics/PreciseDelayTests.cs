using System.Diagnostics;
using Afirgen.TaskProcessor.Engine.Diagnostics;

namespace Afirgen.TaskProcessor.Engine.Tests.Diagnostics;

public sealed class PreciseDelayTests
{
    [Fact]
    public async Task Waits_NeverEndBeforeTheirDelay()
    {
        var started = Stopwatch.GetTimestamp();
        var delays = new[] { 60, 20, 40, 5, 30 };
        var results = await Task.WhenAll(delays.Select(async ms =>
        {
            await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(ms), CancellationToken.None);
            return (ms, elapsed: Stopwatch.GetElapsedTime(started));
        }));

        Assert.All(results, r => Assert.True(r.elapsed >= TimeSpan.FromMilliseconds(r.ms), $"a {r.ms} ms wait ended after {r.elapsed.TotalMilliseconds:F2} ms"));
    }

    [Fact]
    public async Task AShorterWaitEnqueuedAfterALongerOne_EndsFirst_NotHeldBehindIt()
    {
        // The timer thread sleeps until the longer wait is due; the shorter one must wake it. (Which of two
        // completed waits' continuations runs first is up to the thread pool, so the time is asserted, not an order.)
        await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var started = Stopwatch.GetTimestamp();
        var longer = PreciseDelay.WaitAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        // Let the timer thread settle into its wait for the longer one.
        await Task.Delay(50);
        await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // Held behind the longer wait, it would end at 3 s. The bound leaves 2 s of slack: under a full test run a
        // starved thread pool has taken a whole second to run the completion (1,006 ms seen), which is not this fault.
        var shorterEnded = Stopwatch.GetElapsedTime(started);
        Assert.True(shorterEnded < TimeSpan.FromSeconds(2), $"the 10 ms wait ended {shorterEnded.TotalMilliseconds:F0} ms in, held behind the 3 s one");
        await longer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ACancelledWait_EndsAtOnce_AsCancelled_AndLaterWaitsStillEnd()
    {
        using var cancel = new CancellationTokenSource();
        var longWait = PreciseDelay.WaitAsync(TimeSpan.FromHours(1), cancel.Token);
        await cancel.CancelAsync();

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
