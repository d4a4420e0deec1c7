using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>
/// Chords started by Celery's canvas complete on our workers, on a mixed fleet, and fail as Celery fails them: the join
/// is Celery's own Redis backend's (<c>celery-taskset-meta-&lt;group&gt;.j/.s/.t</c>).
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ChordTests(RedisFixture redis)
{
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public async Task AChord_CompletesOnOurWorkersAlone_WithItsBodyRunOnceOnEveryResult(int size)
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 8);
        var (body, group, header) = await fleet.ProduceChordAsync(size);

        var result = await CeleryTools.ResultAsync(redis.Server, 2, body, TimeSpan.FromSeconds(60));
        Assert.Equal("SUCCESS", result["state"]!.GetValue<string>());
        Assert.Equal(SumOfSquares(size), result["result"]!.GetValue<long>());
        Assert.Equal(header.Length, size);
        await AssertBodyRanOnceAsync(fleet, body, "dotnet");
        // The join is forgotten once the body is sent, as Celery's backend forgets it.
        await AssertJoinForgottenAsync(group);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public async Task AChord_CompletesOnAMixedFleet_WhoeverRunsItsHeaderAndBody(int size)
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 4, prefetchMultiplier: 1);
        await fleet.StartCeleryAsync("fleet", TimeSpan.FromSeconds(30), concurrency: 2);
        var (body, _, header) = await fleet.ProduceChordAsync(size);

        var result = await CeleryTools.ResultAsync(redis.Server, 2, body, TimeSpan.FromSeconds(90));
        Assert.Equal("SUCCESS", result["state"]!.GetValue<string>());
        Assert.Equal(SumOfSquares(size), result["result"]!.GetValue<long>());
        var records = Fleet.Records(redis.Connection);
        var ranBy = (await records.HashGetAllAsync(fleet.KeyPrefix + "squares")).Select(e => (string)e.Value!).ToArray();
        Assert.Equal(header.Length, ranBy.Length);
        // A hundred tasks are shared (ten may all go to whichever worker polls first).
        Assert.True(size < 100 || ranBy.Contains("dotnet") && ranBy.Contains("celery"),
            $"both workers should have run header tasks: {ranBy.Count(r => r == "dotnet")} ours, {ranBy.Count(r => r == "celery")} Celery's");
        await AssertBodyRanOnceAsync(fleet, body, null);
    }

    [Fact]
    public async Task AFailingHeaderTask_FailsTheChordWithChordError_AsOnCelerysWorkers()
    {
        // The same chord on Celery's workers alone, then on ours alone: the body's stored failure must read the same.
        string celeryError;
        await using (var celeryFleet = new Fleet(redis.Server))
        {
            await celeryFleet.StartCeleryAsync("fleet", TimeSpan.FromSeconds(30));
            var (celeryBody, _, celeryHeader) = await celeryFleet.ProduceChordAsync(3, failIndex: 1);
            celeryError = await FailureOfAsync(celeryBody);
            Assert.Equal($"Dependency {celeryHeader[1]} raised ValueError('square of 1 refused')", celeryError);
        }

        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30));
        var (body, group, header) = await fleet.ProduceChordAsync(3, failIndex: 1);
        var ours = await FailureOfAsync(body);
        Assert.Equal(celeryError.Replace(celeryError.Split(' ')[1], header[1], StringComparison.Ordinal), ours);
        var stored = (await Fleet.ResultAsync(redis.Connection, body))!;
        Assert.Equal("ChordError", stored["result"]!["exc_type"]!.GetValue<string>());
        Assert.Equal("celery.exceptions", stored["result"]!["exc_module"]!.GetValue<string>());
        Assert.StartsWith("Traceback (most recent call last):", stored["traceback"]!.GetValue<string>());
        // The body never ran; the other header tasks did.
        Assert.Equal(0, await Fleet.Records(redis.Connection).HashLengthAsync(fleet.KeyPrefix + "totals"));
        Assert.Equal(3, await Fleet.Records(redis.Connection).HashLengthAsync(fleet.KeyPrefix + "squares"));
        await AssertJoinForgottenAsync(group);
    }

    /// <summary>
    /// The chord's join keys are deleted. Not at once: like Celery's backend, the worker that completes the join sends the
    /// body or stores its FAILURE first and deletes the keys after, so a reader that saw the body's result may be early.
    /// </summary>
    private async Task AssertJoinForgottenAsync(string group)
    {
        var db = redis.Connection.GetDatabase(2);
        await Fleet.WaitForAsync(async () => !await db.KeyExistsAsync($"celery-taskset-meta-{group}.j") && !await db.KeyExistsAsync($"celery-taskset-meta-{group}.s"),
            TimeSpan.FromSeconds(10), $"chord {group}'s join keys (.j, .s) to be deleted");
    }

    private async Task<string> FailureOfAsync(string body)
    {
        await Fleet.WaitForAsync(async () => (await Fleet.ResultAsync(redis.Connection, body))?["status"]?.GetValue<string>() == "FAILURE",
            TimeSpan.FromSeconds(60), "the chord's body to fail");
        var stored = (await Fleet.ResultAsync(redis.Connection, body))!;
        Assert.Equal("ChordError", stored["result"]!["exc_type"]!.GetValue<string>());
        return stored["result"]!["exc_message"]![0]!.GetValue<string>();
    }

    private async Task AssertBodyRanOnceAsync(Fleet fleet, string body, string? by)
    {
        var records = Fleet.Records(redis.Connection);
        var totals = await records.HashGetAllAsync(fleet.KeyPrefix + "totals");
        Assert.Equal(body, (string)Assert.Single(totals).Name!);
        Assert.Equal(1, (int)totals[0].Value);
        if (by is not null)
        {
            Assert.Equal(by, (string?)await records.HashGetAsync(fleet.KeyPrefix + "totaled", body));
        }
    }

    private static long SumOfSquares(int n) => Enumerable.Range(0, n).Sum(i => (long)i * i);
}
