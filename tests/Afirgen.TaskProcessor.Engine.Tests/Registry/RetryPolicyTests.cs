using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.Engine.Tests.Registry;

public sealed class RetryPolicyTests
{
    [Fact]
    public void DelayFor_DoublesFromTheInitialDelay_WithinTheJitter()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(1), JitterRatio = 0.2 };
        var random = new Random(42);
        for (var retry = 1; retry <= 5; retry++)
        {
            var expected = Math.Pow(2, retry - 1);
            for (var i = 0; i < 200; i++)
            {
                var delay = policy.DelayFor(retry, random).TotalSeconds;
                Assert.InRange(delay, expected * 0.8, expected * 1.2);
            }
        }
    }

    [Fact]
    public void DelayFor_IsCappedAtTheMaximum()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(600), JitterRatio = 0 };
        Assert.Equal(TimeSpan.FromSeconds(512), policy.DelayFor(10, new Random(1)));
        Assert.Equal(TimeSpan.FromSeconds(600), policy.DelayFor(11, new Random(1)));
        Assert.Equal(TimeSpan.FromSeconds(600), policy.DelayFor(40, new Random(1)));
    }

    [Fact]
    public void DelayFor_Jitters_SoRetriesDoNotArriveTogether()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(60) };
        var random = new Random(7);
        var delays = Enumerable.Range(0, 50).Select(_ => policy.DelayFor(1, random)).Distinct().Count();
        Assert.True(delays > 40, $"only {delays} distinct delays out of 50");
    }

    [Fact]
    public void DelayFor_UsesTheRequestedCountdown_WhenTheTaskAsksForOne()
    {
        var policy = new RetryPolicy { JitterRatio = 0 };
        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayFor(1, new Random(1), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void ShouldRetry_RetriesOrdinaryErrors_ButNotPermanentOnes()
    {
        var policy = new RetryPolicy();
        Assert.True(policy.ShouldRetry(new TimeoutException()));
        Assert.False(policy.ShouldRetry(new PermanentTaskException("bad input")));
        Assert.False(policy.ShouldRetry(new TaskArgumentException("missing")));
    }
}
