using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>
/// Celery's remote control (kombu's pidbox on the Redis broker) reaches our workers: Debian's Celery 5.2.6 command line
/// and <c>app.control</c> against <c>afirgen-tasks run</c> on a real redis-server, beside a Celery worker.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RemoteControlTests(RedisFixture redis)
{
    private static readonly TimeSpan Cli = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CelerysCommandLine_SeesOurWorker_AsItSeesCelerys()
    {
        await using var fleet = new Fleet(redis.Server);
        var ours = Name("ours");
        var theirs = Name("celery");
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 1, prefetchMultiplier: 2, name: ours);
        await fleet.StartCeleryAsync("fleet", TimeSpan.FromSeconds(30), name: theirs);

        var (code, status, error) = await fleet.CeleryAsync(Cli, "status");
        Assert.True(code == 0, status + error);
        Assert.Contains($"->  {ours}: OK", status);
        Assert.Contains($"->  {theirs}: OK", status);
        Assert.Contains("2 nodes online.", status);

        // One task counting down (scheduled: it waits in the broker), one running (concurrency 1), one held behind it (reserved).
        await fleet.CallAsync("add_consumer", """{"queue": "solo"}""", "--destination", ours);
        var scheduled = (await fleet.ProduceAsync("--countdown", "60", "--queue", "solo"))[0];
        await Fleet.WaitForAsync(async () => (await InspectAsync(fleet, "scheduled", ours)).AsArray().Count == 1, TimeSpan.FromSeconds(30), "the countdown task to wait in the broker");
        var running = (await fleet.ProduceAsync("--kwargs", """{"sleep_ms": 20000}""", "--queue", "solo"))[0];
        await Fleet.WaitForAsync(async () => (await InspectAsync(fleet, "active", ours)).AsArray().Count == 1, TimeSpan.FromSeconds(30), "the task to run on ours");
        var held = (await fleet.ProduceAsync("--queue", "solo"))[0];
        await Fleet.WaitForAsync(async () => (await InspectAsync(fleet, "reserved", ours)).AsArray().Count == 1, TimeSpan.FromSeconds(30), "ours to hold the second task");

        var active = (await InspectAsync(fleet, "active", ours)).AsArray().Single()!;
        Assert.Equal(running, active["id"]!.GetValue<string>());
        Assert.Equal("fleet.record", active["name"]!.GetValue<string>());
        Assert.Equal(ours, active["hostname"]!.GetValue<string>());
        Assert.Equal("solo", active["delivery_info"]!["routing_key"]!.GetValue<string>());
        Assert.True(active["time_start"]!.GetValue<double>() > 1.7e9);
        Assert.Equal(held, (await InspectAsync(fleet, "reserved", ours)).AsArray().Single()!["id"]!.GetValue<string>());
        var inSchedule = (await InspectAsync(fleet, "scheduled", ours)).AsArray().Single()!;
        Assert.Equal(scheduled, inSchedule["request"]!["id"]!.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(inSchedule["eta"]!.GetValue<string>()) > DateTimeOffset.UtcNow.AddSeconds(30));

        Assert.Contains("fleet.record", (await InspectAsync(fleet, "registered", ours)).AsArray().Select(n => n!.GetValue<string>()));
        var stats = await InspectAsync(fleet, "stats", ours);
        Assert.Equal(1, stats["pool"]!["max-concurrency"]!.GetValue<int>());
        Assert.Equal("redis", stats["broker"]!["transport"]!.GetValue<string>());
        Assert.Equal(["fleet", "solo"], (await InspectAsync(fleet, "active_queues", ours)).AsArray().Select(q => q!["name"]!.GetValue<string>()));
        await fleet.ControlAsync("revoke", scheduled);
        Assert.Contains(scheduled, (await InspectAsync(fleet, "revoked", ours)).AsArray().Select(i => i!.GetValue<string>()));

        // The command line prints our answers as it prints Celery's.
        foreach (var method in new[] { "ping", "active", "registered", "stats", "active_queues", "scheduled", "reserved", "revoked" })
        {
            var (exit, output, stderr) = await fleet.CeleryAsync(Cli, "inspect", method, "--json");
            Assert.True(exit == 0, $"celery inspect {method}: {output}{stderr}");
            var replies = JsonNode.Parse(output.Trim())!.AsObject();
            Assert.True(replies.ContainsKey(ours), $"celery inspect {method} did not hear from ours: {output}");
            Assert.True(replies.ContainsKey(theirs), $"celery inspect {method} did not hear from Celery's: {output}");
        }
        var (pingExit, ping, _) = await fleet.CeleryAsync(Cli, "inspect", "ping", "-d", ours);
        Assert.Equal(0, pingExit);
        Assert.Contains($"->  {ours}: OK", ping);
        Assert.Contains("pong", ping);
        Assert.DoesNotContain(theirs, ping);
    }

    [Fact]
    public async Task AfirgensCancelButton_RevokesAQueuedAScheduledAndARunningTask()
    {
        await using var fleet = new Fleet(redis.Server);
        var records = Fleet.Records(redis.Connection);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 1, prefetchMultiplier: 2);

        var running = (await fleet.ProduceAsync("--kwargs", """{"sleep_ms": 30000}"""))[0];
        await Fleet.WaitForAsync(async () => await StateAsync(running) == "STARTED", TimeSpan.FromSeconds(30), "the long task to start");
        var queued = (await fleet.ProduceAsync())[0];
        var scheduled = (await fleet.ProduceAsync("--countdown", "3"))[0];
        var started = DateTime.UtcNow;

        // Exactly what AFIRGen's cancel_task does: celery_app.control.revoke(task_id, terminate=True), no reply awaited
        // (the running one last: stopped first, it would free the worker for the queued one before that one's revoke).
        foreach (var id in new[] { queued, scheduled, running })
        {
            await fleet.ControlAsync("revoke", id, "--terminate");
        }

        await Fleet.WaitForAsync(async () => await StateAsync(running) == "REVOKED", TimeSpan.FromSeconds(10), "the running task to stop");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the running task ran to its end instead of stopping");
        Assert.Equal("terminated", (await Fleet.ResultAsync(redis.Connection, running))!["result"]!["exc_message"]![0]!.GetValue<string>());
        Assert.Equal("REVOKED", await StateAsync(queued));
        Assert.Equal("REVOKED", await StateAsync(scheduled));
        // Past the countdown, with the worker free: nothing ran, and the revoked messages were settled, not left behind.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", running));
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", queued));
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", scheduled));
        Assert.Equal("REVOKED", await StateAsync(scheduled));
        await Fleet.WaitForAsync(async () => await redis.Connection.GetDatabase(1).HashLengthAsync(fleet.KeyPrefix + "unacked") == 0,
            TimeSpan.FromSeconds(10), "the revoked messages to be acknowledged");
    }

    [Fact]
    public async Task CeleryControlRevoke_FromTheCommandLine_StopsACountdownTask()
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30));
        var id = (await fleet.ProduceAsync("--countdown", "3"))[0];

        var (code, output, error) = await fleet.CeleryAsync(Cli, "control", "revoke", id);
        Assert.True(code == 0, output + error);
        Assert.Contains($"tasks {id} flagged as revoked", output);

        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal("REVOKED", await StateAsync(id));
        Assert.False(await Fleet.Records(redis.Connection).SetContainsAsync(fleet.KeyPrefix + "done", id));
    }

    [Fact]
    public async Task ACeleryWorkerStartingBesideOurs_LearnsOurRevokedIds_ThroughMingle()
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30));
        var revoked = Guid.NewGuid().ToString();
        await fleet.ControlAsync("revoke", revoked);
        var theirs = Name("celery");
        await fleet.StartCeleryAsync("fleet", TimeSpan.FromSeconds(30), name: theirs, mingle: true);

        Assert.Contains(revoked, (await InspectAsync(fleet, "revoked", theirs)).AsArray().Select(i => i!.GetValue<string>()));
    }

    [Fact]
    public async Task RateLimit_SpacesATasksRuns_AsCelerysTokenBucket()
    {
        await using var fleet = new Fleet(redis.Server);
        var name = Name("ours");
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 8, name: name);
        var records = Fleet.Records(redis.Connection);
        // A first run compiles the task and opens its connection (a quarter of a second here): not part of the measure,
        // which reads when each run ended.
        var warmUp = (await fleet.ProduceAsync())[0];
        await Fleet.WaitForAsync(async () => await records.SetContainsAsync(fleet.KeyPrefix + "done", warmUp), TimeSpan.FromSeconds(30), "the warm-up task");
        await records.KeyDeleteAsync(fleet.KeyPrefix + "done");
        var reply = await fleet.CallAsync("rate_limit", """{"task_name": "fleet.record", "rate_limit": "4/s"}""");
        Assert.Equal("new rate limit set successfully", reply[name]!["ok"]!.GetValue<string>());
        Assert.Contains("fleet.record [rate_limit=4/s]", (await InspectAsync(fleet, "registered", name)).AsArray().Select(n => n!.GetValue<string>()));

        var ids = await fleet.ProduceAsync("--count", "8");
        await Fleet.WaitForAsync(async () => await records.SetLengthAsync(fleet.KeyPrefix + "done") == ids.Length, TimeSpan.FromSeconds(30), "the limited tasks to run");
        var times = new List<long>();
        foreach (var id in ids)
        {
            times.Add(long.Parse(((string)(await records.ListGetByIndexAsync($"{fleet.KeyPrefix}completed:{id}", 0))!).Split(':')[2]));
        }
        times.Sort();
        // Four a second with eight slots free: one at once, then one every 250 ms. A run can only end later than its turn
        // (a busy machine delays, never hastens), so the k-th to end did so at least k turns after the first, less the
        // first one's own short run and the timer's grain.
        var since = times.Select(t => t - times[0]).ToArray();
        for (var k = 1; k < since.Length; k++)
        {
            Assert.True(since[k] >= k * 250 - 100, $"under a limit of 4/s, task {k + 1} of 8 ended {since[k]} ms after the first: {string.Join(", ", since)}");
        }

        // An invalid unit is Celery's KeyError, an unknown task Celery's "unknown task"; no limit lifts it.
        Assert.Equal("KeyError('q')", (await fleet.CallAsync("rate_limit", """{"task_name": "fleet.record", "rate_limit": "1/q"}"""))[name]!["error"]!.GetValue<string>());
        Assert.Equal("unknown task", (await fleet.CallAsync("rate_limit", """{"task_name": "no.such", "rate_limit": "1/s"}"""))[name]!["error"]!.GetValue<string>());
        Assert.Equal("rate limit disabled successfully", (await fleet.CallAsync("rate_limit", """{"task_name": "fleet.record", "rate_limit": null}"""))[name]!["ok"]!.GetValue<string>());
    }

    [Fact]
    public async Task AddAndCancelConsumer_StartAndStopTakingAQueue()
    {
        await using var fleet = new Fleet(redis.Server);
        var name = Name("ours");
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), name: name);
        var records = Fleet.Records(redis.Connection);
        var broker = redis.Connection.GetDatabase(1);

        var first = (await fleet.ProduceAsync("--queue", "extra"))[0];
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", first));

        var added = await fleet.CallAsync("add_consumer", """{"queue": "extra"}""");
        Assert.Equal("add consumer extra", added[name]!["ok"]!.GetValue<string>());
        await Fleet.WaitForAsync(async () => await records.SetContainsAsync(fleet.KeyPrefix + "done", first), TimeSpan.FromSeconds(20), "the added queue's task to run");
        Assert.Contains("extra", (await InspectAsync(fleet, "active_queues", name)).AsArray().Select(q => q!["name"]!.GetValue<string>()));

        var cancelled = await fleet.CallAsync("cancel_consumer", """{"queue": "extra"}""");
        Assert.Equal("no longer consuming from extra", cancelled[name]!["ok"]!.GetValue<string>());
        Assert.DoesNotContain("extra", (await InspectAsync(fleet, "active_queues", name)).AsArray().Select(q => q!["name"]!.GetValue<string>()));
        var second = (await fleet.ProduceAsync("--queue", "extra"))[0];
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(await records.SetContainsAsync(fleet.KeyPrefix + "done", second));
        Assert.Equal(1, await broker.ListLengthAsync(fleet.KeyPrefix + "extra"));
    }

    [Fact]
    public async Task PoolTimeLimitsEventsAndErrors_AnswerAsCelerysWorkerDoes()
    {
        await using var fleet = new Fleet(redis.Server);
        var ours = Name("ours");
        var theirs = Name("celery");
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 4, name: ours);
        await fleet.StartCeleryAsync("fleet", TimeSpan.FromSeconds(30), name: theirs);

        Assert.Equal("pool will grow", (await fleet.CallAsync("pool_grow", """{"n": 3}""", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.Equal(7, (await InspectAsync(fleet, "stats", ours))["pool"]!["max-concurrency"]!.GetValue<int>());
        Assert.Equal("pool will shrink", (await fleet.CallAsync("pool_shrink", """{"n": 5}""", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.Equal(2, (await InspectAsync(fleet, "stats", ours))["pool"]!["max-concurrency"]!.GetValue<int>());
        Assert.Equal("autoscale now max=6 min=2", (await fleet.CallAsync("autoscale", """{"max": 6, "min": 2}""", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.Equal(24, (await InspectAsync(fleet, "stats", ours))["prefetch_count"]!.GetValue<int>());

        // A soft time limit set at run time cancels the task there.
        Assert.Equal("time limits set successfully", (await fleet.CallAsync("time_limit", """{"task_name": "fleet.record", "soft": 1, "hard": 30}""", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        await fleet.CallAsync("cancel_consumer", """{"queue": "fleet"}""", "--destination", theirs);
        var limited = (await fleet.ProduceAsync("--kwargs", """{"sleep_ms": 10000}"""))[0];
        await Fleet.WaitForAsync(async () => await StateAsync(limited) == "FAILURE", TimeSpan.FromSeconds(8), "the task to fail at its soft limit");
        Assert.Equal("SoftTimeLimitExceeded", (await Fleet.ResultAsync(redis.Connection, limited))!["result"]!["exc_type"]!.GetValue<string>());

        Assert.Equal("task events disabled", (await fleet.CallAsync("disable_events", "{}", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.Equal("task events already disabled", (await fleet.CallAsync("disable_events", "{}", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.Equal("task events enabled", (await fleet.CallAsync("enable_events", "{}", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
        Assert.True((await fleet.CallAsync("conf", "{}", "--destination", ours))[ours]!["worker_send_task_events"]!.GetValue<bool>());

        // Destination filtering: a command for Celery's worker alone is not answered by ours, and the reverse.
        var onlyTheirs = await fleet.CallAsync("ping", "{}", "--destination", theirs);
        Assert.Equal([theirs], onlyTheirs.Select(kv => kv.Key));
        Assert.Equal([ours], (await fleet.CallAsync("ping", "{}", "--destination", ours)).Select(kv => kv.Key));

        // Unknown commands and Celery-only ones answer an error, as Celery's worker does; shutdown is refused by default.
        Assert.Equal("KeyError('no_such_command')", (await fleet.CallAsync("no_such_command", "{}", "--destination", ours))[ours]!["error"]!.GetValue<string>());
        Assert.Equal("KeyError('no_such_command')", (await fleet.CallAsync("no_such_command", "{}", "--destination", theirs))[theirs]!["error"]!.GetValue<string>());
        Assert.Contains("AllowShutdown", (await fleet.CallAsync("shutdown", "{}", "--destination", ours))[ours]!["error"]!.GetValue<string>());
        Assert.Equal("pong", (await fleet.CallAsync("ping", "{}", "--destination", ours))[ours]!["ok"]!.GetValue<string>());
    }

    private async Task<string?> StateAsync(string id) => (string?)(await Fleet.ResultAsync(redis.Connection, id))?["status"];

    private static async Task<JsonNode> InspectAsync(Fleet fleet, string method, string worker)
    {
        var replies = await fleet.InspectAsync(method, "--destination", worker);
        Assert.True(replies.ContainsKey(worker), $"inspect {method}: no reply from {worker}");
        return replies[worker]!;
    }

    private static string Name(string kind) => $"{kind}-{Guid.NewGuid():N}"[..16] + "@test";
}
