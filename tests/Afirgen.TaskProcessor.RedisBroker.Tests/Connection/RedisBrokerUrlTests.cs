using Afirgen.TaskProcessor.RedisBroker.Connection;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Connection;

/// <summary>Celery's broker URLs for Redis, read as kombu reads them; bad ones refused with a sentence.</summary>
public sealed class RedisBrokerUrlTests
{
    [Theory]
    [InlineData("redis://localhost:6379/1", "localhost", 6379, 1, null, null, false)]
    [InlineData("redis://localhost", "localhost", 6379, 0, null, null, false)]
    [InlineData("redis://:s%40cret@10.0.0.5:6380/2", "10.0.0.5", 6380, 2, null, "s@cret", false)]
    [InlineData("rediss://app:pw@cache.example.org:6380/0", "cache.example.org", 6380, 0, "app", "pw", true)]
    public void Parse_ReadsHostPortDatabaseAndCredentials(string url, string host, int port, int database, string? user, string? password, bool tls)
    {
        Assert.Equal(new RedisBrokerUrl(host, port, database, user, password, tls), RedisBrokerUrl.Parse(url));
    }

    [Theory]
    [InlineData("", "No Redis broker URL is given")]
    [InlineData("amqp://guest@localhost//", "is not a Redis URL")]
    [InlineData("localhost:6379", "is not a Redis URL")]
    [InlineData("redis://localhost:6379/one", "not a database number")]
    public void Parse_RefusesWhatIsNotARedisUrl_SayingHowToWriteIt(string url, string problem)
    {
        var error = Assert.Throws<FormatException>(() => RedisBrokerUrl.Parse(url));
        Assert.Contains(problem, error.Message);
        Assert.Contains("redis://localhost:6379/1", error.Message);
    }

    [Fact]
    public void ToString_HidesThePassword()
    {
        Assert.DoesNotContain("pw", RedisBrokerUrl.Parse("redis://app:pw@host:1/3").ToString());
    }
}
