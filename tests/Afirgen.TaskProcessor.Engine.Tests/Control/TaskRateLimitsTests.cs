using Afirgen.TaskProcessor.Engine.Control;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Control;

/// <summary>Celery's rate limits: its rate strings, and a token bucket of one token refilled at the rate.</summary>
public sealed class TaskRateLimitsTests
{
    [Theory]
    [InlineData("10/s", 10.0)]
    [InlineData("30/m", 0.5)]
    [InlineData("7200/h", 2.0)]
    [InlineData("4", 4.0)]
    [InlineData("", 0.0)]
    [InlineData(null, 0.0)]
    [InlineData("0/s", 0.0)]
    public void PerSecond_ReadsCeleryRates(string? rate, double expected) => Assert.Equal(expected, CeleryRate.PerSecond(rate), 6);

    [Fact]
    public void PerSecond_FailsAsCelerysRateDoes()
    {
        // The unit is looked up first (a KeyError in Celery), then the count read (float()'s ValueError).
        Assert.Equal("q", Assert.Throws<KeyNotFoundException>(() => CeleryRate.PerSecond("x/q")).Message);
        Assert.Equal("could not convert string to float: 'ten'", Assert.Throws<FormatException>(() => CeleryRate.PerSecond("ten/m")).Message);
    }

    [Fact]
    public void WaitAsync_LetsOneThrough_ThenOnePerInterval_AndNothingIsLimitedUnlessSet()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limits = new TaskRateLimits(time);
        Assert.True(limits.WaitAsync("t", CancellationToken.None).AsTask().IsCompleted);
        Assert.False(limits.Any);

        Assert.True(limits.Set("t", "2/s"));
        Assert.True(limits.Any);
        Assert.Equal("2/s", limits.Limits["t"]);
        var first = limits.WaitAsync("t", CancellationToken.None).AsTask();
        var second = limits.WaitAsync("t", CancellationToken.None).AsTask();
        var third = limits.WaitAsync("t", CancellationToken.None).AsTask();
        var other = limits.WaitAsync("other", CancellationToken.None).AsTask();
        Assert.True(first.IsCompleted);
        Assert.True(other.IsCompleted);
        Assert.False(second.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(second.IsCompleted);
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(third.IsCompleted);

        // After a pause the bucket holds one token, not more: one at once, the next an interval later.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limits.WaitAsync("t", CancellationToken.None).AsTask().IsCompleted);
        Assert.False(limits.WaitAsync("t", CancellationToken.None).AsTask().IsCompleted);

        Assert.False(limits.Set("t", null));
        Assert.False(limits.Any);
        Assert.True(limits.WaitAsync("t", CancellationToken.None).AsTask().IsCompleted);
    }
}
