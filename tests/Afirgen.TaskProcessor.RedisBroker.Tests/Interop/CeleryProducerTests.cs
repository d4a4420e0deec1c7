using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>A real Celery producer feeds our worker through Celery's Redis broker, and Celery reads the results.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class CeleryProducerTests(RedisFixture redis)
{
    [Fact]
    public async Task WireShapes_FromACeleryProducer_RunOnOurWorker_AndAsyncResultReadsThem()
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["default", "email", "reports", "analytics", "cleanup"], TimeSpan.FromMinutes(1));
        var sentAt = DateTimeOffset.UtcNow;
        var shapes = (await fleet.ProduceAsync("--shapes")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(7, shapes.Count);

        foreach (var (shape, id) in shapes)
        {
            // Celery's own client, as AFIRGen reads results: AsyncResult(id).get().
            var result = await CeleryTools.ResultAsync(redis.Server, 2, id, TimeSpan.FromSeconds(30));
            Assert.True((string?)result["state"] == "SUCCESS", $"{shape}: {result.ToJsonString()}");
        }

        var eta = await Fleet.ResultAsync(redis.Connection, shapes["02-report-eta-expires-limits"]);
        // Celery's date_done is naive UTC.
        var doneAt = DateTimeOffset.Parse((string)eta!["date_done"]!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.True(doneAt >= sentAt.AddSeconds(2), "the countdown task ran before its time");
        var child = await CeleryTools.ResultAsync(redis.Server, 2, shapes["04-analytics-child-retry2"], TimeSpan.FromSeconds(5));
        Assert.Equal(2, (int)child["result"]!["retries"]!);
    }
}
