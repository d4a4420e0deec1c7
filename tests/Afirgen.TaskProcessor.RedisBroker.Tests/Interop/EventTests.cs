using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>
/// Our workers' Celery events, read by Celery 5.2's own consumer (<c>app.events.Receiver</c>, what Flower and
/// <c>celery events</c> run on) and its <c>celery events --dump</c>, beside a Celery worker sending its own.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class EventTests(RedisFixture redis)
{
    private static readonly string[] EveryKind =
    [
        "worker-online", "worker-heartbeat", "task-sent", "task-received", "task-started", "task-succeeded", "task-failed",
        "task-retried", "task-revoked", "task-rejected", "worker-offline",
    ];

    [Fact]
    public async Task CelerysEventReceiver_HearsEveryEventKind_FromOurWorker_AndKnowsItAsFlowerWould()
    {
        await using var fleet = new Fleet(redis.Server);
        var ours = $"ours-{Guid.NewGuid():N}"[..16] + "@test";
        var theirs = $"celery-{Guid.NewGuid():N}"[..16] + "@test";
        await using var listener = await Listener.StartAsync(fleet, ours, EveryKind);
        var worker = await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), name: ours,
            extraSettings: new Dictionary<string, string> { ["TaskProcessor:Monitoring:SendSentEvent"] = "true" });
        await fleet.StartCeleryAsync("celery-only", TimeSpan.FromSeconds(30), name: theirs, heartbeats: true);

        using var http = new HttpClient { BaseAddress = new Uri(fleet.Api) };
        var sent = await http.PostAsJsonAsync("/api/tasks", new { name = "fleet.record", queue = "fleet" });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        var apiTask = (await sent.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var failing = (await fleet.ProduceAsync("--task", "diagnostics.fail"))[0];
        var retried = (await fleet.ProduceAsync("--task", "diagnostics.fail_n_times", "--kwargs", """{"times": 1}"""))[0];
        var expired = (await fleet.ProduceAsync("--task", "fleet.record", "--expires", "-1"))[0];
        // A message with a task id but a body that is not Celery's: rejected (dead-lettered) with its id.
        var rejected = Guid.NewGuid().ToString();
        await redis.Connection.GetDatabase(1).ListLeftPushAsync(fleet.KeyPrefix + "fleet", new JsonObject
        {
            ["body"] = "not base64!",
            ["content-encoding"] = "utf-8",
            ["content-type"] = "application/json",
            ["headers"] = new JsonObject { ["id"] = rejected, ["task"] = "fleet.record" },
            ["properties"] = new JsonObject
            {
                ["delivery_tag"] = Guid.NewGuid().ToString(), ["body_encoding"] = "base64", ["priority"] = 0,
                ["delivery_info"] = new JsonObject { ["exchange"] = "", ["routing_key"] = "fleet" },
            },
        }.ToJsonString());
        await Fleet.WaitForAsync(() => Task.FromResult(listener.Has(ours, "task-rejected") && listener.Has(ours, "task-succeeded", retried)),
            TimeSpan.FromSeconds(40), "our task events");
        await Process.Start("kill", ["-INT", worker.Id.ToString()])!.WaitForExitAsync();
        var events = await listener.FinishAsync();

        var fromOurs = events.Where(e => e["hostname"]?.GetValue<string>() == ours).ToArray();
        Assert.All(EveryKind, kind => Assert.Contains(fromOurs, e => e["type"]!.GetValue<string>() == kind));
        JsonObject Event(string type, string uuid) => fromOurs.First(e => e["type"]!.GetValue<string>() == type && e["uuid"]?.GetValue<string>() == uuid);

        Assert.Equal("fleet.record", Event("task-sent", apiTask)["name"]!.GetValue<string>());
        Assert.Equal("fleet", Event("task-sent", apiTask)["queue"]!.GetValue<string>());
        Assert.Equal("{'worker': 'dotnet'}", Event("task-succeeded", apiTask)["result"]!.GetValue<string>());
        Assert.True(Event("task-succeeded", apiTask)["runtime"]!.GetValue<double>() >= 0);
        Assert.Equal("ValueError('Planned failure.')", Event("task-failed", failing)["exception"]!.GetValue<string>());
        Assert.StartsWith("Traceback (most recent call last):", Event("task-failed", failing)["traceback"]!.GetValue<string>());
        Assert.StartsWith("RuntimeError('Planned failure 1 of 1.')", Event("task-retried", retried)["exception"]!.GetValue<string>());
        Assert.True(Event("task-revoked", expired)["expired"]!.GetValue<bool>());
        Assert.False(Event("task-rejected", rejected)["requeue"]!.GetValue<bool>());
        var received = Event("task-received", retried);
        Assert.Equal("diagnostics.fail_n_times", received["name"]!.GetValue<string>());
        Assert.Null(received["kwargs"]); // arguments never leave the worker
        var heartbeat = fromOurs.First(e => e["type"]!.GetValue<string>() == "worker-heartbeat");
        Assert.Equal("afirgen-tasks", heartbeat["sw_ident"]!.GetValue<string>());
        Assert.Equal(3, heartbeat["loadavg"]!.AsArray().Count);
        Assert.True(heartbeat["freq"]!.GetValue<double>() > 0);
        // Each worker's clock only moves forward.
        var clocks = fromOurs.Select(e => e["clock"]!.GetValue<long>()).ToArray();
        Assert.Equal(clocks.Order(), clocks);

        // Celery's event state, as Flower keeps it: both workers, our tasks in their states, on our worker.
        var state = listener.State!;
        Assert.True(state["workers"]![theirs]!["alive"]!.GetValue<bool>());
        Assert.Equal("afirgen-tasks", state["workers"]![ours]!["sw_ident"]!.GetValue<string>());
        Assert.Equal("SUCCESS", state["tasks"]![apiTask]!["state"]!.GetValue<string>());
        Assert.Equal(ours, state["tasks"]![apiTask]!["worker"]!.GetValue<string>());
        Assert.Equal("FAILURE", state["tasks"]![failing]!["state"]!.GetValue<string>());
        Assert.Equal("SUCCESS", state["tasks"]![retried]!["state"]!.GetValue<string>());
        Assert.Equal("REVOKED", state["tasks"]![expired]!["state"]!.GetValue<string>());
        Assert.Equal("REJECTED", state["tasks"]![rejected]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task CeleryEventsDump_ShowsOurWorkerAndItsTasks()
    {
        await using var fleet = new Fleet(redis.Server);
        var ours = $"ours-{Guid.NewGuid():N}"[..16] + "@test";
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), name: ours);
        var dumping = fleet.CeleryAsync(TimeSpan.FromSeconds(12), "events", "--dump");
        await Task.Delay(TimeSpan.FromSeconds(4));
        var id = (await fleet.ProduceAsync())[0];
        var (_, output, error) = await dumping;

        Assert.Contains($"{ours} [", output);
        Assert.Contains("heartbeat: active=", output);
        Assert.True(output.Contains($"task received: fleet.record({id})", StringComparison.Ordinal), output + error);
        Assert.Contains($"task succeeded: fleet.record({id})", output);
    }

    [Fact]
    public async Task DisableEvents_StopsOurTaskEvents_AndEnableEventsBringsThemBack()
    {
        await using var fleet = new Fleet(redis.Server);
        var ours = $"ours-{Guid.NewGuid():N}"[..16] + "@test";
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), name: ours);
        await fleet.CallAsync("disable_events");
        await using var listener = await Listener.StartAsync(fleet, ours, ["task-succeeded"]);
        var quiet = (await fleet.ProduceAsync())[0];
        await Fleet.WaitForAsync(async () => (await Fleet.ResultAsync(redis.Connection, quiet))?["status"]?.GetValue<string>() == "SUCCESS", TimeSpan.FromSeconds(20), "the task to run");
        await fleet.CallAsync("enable_events");
        var heard = (await fleet.ProduceAsync())[0];
        var events = await listener.FinishAsync();

        Assert.Contains(events, e => e["type"]!.GetValue<string>() == "task-succeeded" && e["uuid"]!.GetValue<string>() == heard);
        Assert.DoesNotContain(events, e => e["uuid"]?.GetValue<string>() == quiet);
        Assert.Contains(events, e => e["type"]!.GetValue<string>() == "worker-heartbeat" && e["hostname"]!.GetValue<string>() == ours);
    }

    [Fact]
    public async Task WithNobodyListening_OurTasksPublishNoEvents_OnlyTheWorkersHeartbeat()
    {
        await using var fleet = new Fleet(redis.Server);
        await fleet.StartOursAsync(["fleet"], TimeSpan.FromSeconds(30), concurrency: 8);
        // Every command the server runs, as redis-cli's MONITOR prints it (a monitor is no subscriber: nobody listens).
        var monitor = new ProcessStartInfo("redis-cli", ["-p", redis.Server.Port.ToString(), "monitor"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var watching = Process.Start(monitor)!;
        var publishes = new List<string>();
        watching.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.Contains("\"PUBLISH\"", StringComparison.Ordinal) && line.Contains(fleet.KeyPrefix + "/1.celeryev/", StringComparison.Ordinal))
            {
                lock (publishes) publishes.Add(line);
            }
        };
        watching.BeginOutputReadLine();
        try
        {
            var ids = await fleet.ProduceAsync("--count", "300", "--rate", "100");
            var records = Fleet.Records(redis.Connection);
            await Fleet.WaitForAsync(async () => await records.SetLengthAsync(fleet.KeyPrefix + "done") == ids.Length, TimeSpan.FromSeconds(60), "the tasks to run");
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // a heartbeat at least, so the monitor is seen to work
        }
        finally
        {
            watching.Kill();
            await watching.WaitForExitAsync();
        }

        string[] seen;
        lock (publishes) seen = [.. publishes];
        Assert.Contains(seen, l => l.Contains("celeryev/worker.heartbeat", StringComparison.Ordinal));
        // Three seconds of tasks flushed every 100 ms: at most the first batch went out (and found nobody).
        Assert.True(seen.Count(l => l.Contains("celeryev/task.multi", StringComparison.Ordinal)) <= 1,
            $"task events were published with nobody listening: {seen.Count(l => l.Contains("task.multi", StringComparison.Ordinal))} task.multi messages");
    }

    /// <summary>tools/celery/event_listener.py, running until it heard every wanted kind from one worker (or 60 s).</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<JsonObject> _events = [];
        private readonly Task _done;

        private Listener(Process process, TaskCompletionSource ready)
        {
            _process = process;
            var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) { exited.TrySetResult(); return; }
                var line = JsonNode.Parse(e.Data)!.AsObject();
                lock (_events)
                {
                    if (line["state"] is JsonObject state) State = state; else _events.Add(line);
                }
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data == "ready") ready.TrySetResult(); };
            _done = exited.Task;
        }

        public JsonObject? State { get; private set; }

        public static async Task<Listener> StartAsync(Fleet fleet, string worker, string[] until)
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(RepositoryRoot.Path, "tools", "celery", "event_listener.py"), "--broker", fleet.Broker,
                "--global-keyprefix", fleet.KeyPrefix, "--seconds", "60", "--until", string.Join(',', until), "--hostname", worker, "--state" })
            {
                start.ArgumentList.Add(a);
            }
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = new Listener(new Process { StartInfo = start }, ready);
            listener._process.Start();
            listener._process.BeginOutputReadLine();
            listener._process.BeginErrorReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return listener;
        }

        public bool Has(string worker, string type, string? uuid = null)
        {
            lock (_events)
            {
                return _events.Any(e => e["hostname"]?.GetValue<string>() == worker && e["type"]?.GetValue<string>() == type
                    && (uuid is null || e["uuid"]?.GetValue<string>() == uuid));
            }
        }

        /// <summary>Waits for the listener to stop (every wanted kind heard, or its time up) and returns what it heard.</summary>
        public async Task<IReadOnlyList<JsonObject>> FinishAsync()
        {
            await _done.WaitAsync(TimeSpan.FromSeconds(90));
            await _process.WaitForExitAsync();
            lock (_events)
            {
                return [.. _events];
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
