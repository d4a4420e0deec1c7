using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Cli.Tests.EndToEnd;

/// <summary>
/// The first run of docs/command-line.md with the real binary: <c>afirgen-tasks run --redis …</c> (what ./run.sh starts: the
/// durable broker on that Redis), then <c>enqueue</c> an e-mail-queue task and watch it finish with <c>status</c>;
/// then a clean stop.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "afirgen-tasks.dll");

    [Fact]
    public async Task Run_Enqueue_Status_WorkTogether_AndRunStopsCleanlyOnSigterm()
    {
        await using var redis = await RedisServer.StartAsync();
        var (run, url) = await RunOnAsync(redis);
        using var disposedAtEnd = run;
        try
        {
            var (code, stdout, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--queue", "email", "--kwargs", "{\"fir_id\": \"FIR-2026-0001\"}", "--api", url);
            Assert.True(code == 0, stderr);
            Assert.Contains("on queue email at priority 3", stdout);
            var id = stdout.Split(' ')[1];

            (code, stdout, stderr) = await ExecAsync("status", id, "--wait", "--timeout", "10", "--api", url);
            Assert.True(code == 0, stderr);
            Assert.Contains($"{id}  SUCCESS", stdout);
            Assert.Contains("FIR-2026-0001", stdout);

            (code, _, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--priority", "12", "--api", url);
            Assert.Equal(1, code);
            Assert.Contains("Priority 12 is out of range", stderr);

            // celery control revoke, in our terms: a task due in a minute is revoked and never runs.
            (code, stdout, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--countdown", "60", "--api", url);
            Assert.True(code == 0, stderr);
            var later = stdout.Split(' ')[1];
            (code, stdout, stderr) = await ExecAsync("revoke", later, "--terminate", "--api", url);
            Assert.True(code == 0, stderr);
            Assert.Contains($"Revoked {later} (was PENDING): it will not run.", stdout);
            (code, stdout, _) = await ExecAsync("status", later, "--api", url);
            Assert.Contains($"{later}  REVOKED", stdout);
        }
        finally
        {
            Assert.True(run.Stop("TERM", TimeSpan.FromSeconds(20)), "afirgen-tasks run did not stop within 20 s of SIGTERM");
        }
        Assert.Contains($"afirgen-tasks: broker: Celery's Redis transport at redis://127.0.0.1:{redis.Port}/1: queued, scheduled and held tasks stay in that Redis", run.Output);
        Assert.Contains("Stopped receiving", run.Output);
        // The stop's one line: nothing was held, and the revoked countdown task left nothing in the broker.
        Assert.Contains("Stopped: 0 tasks finished during the grace period, 0 held messages given back to the broker unstarted, 0 running tasks cancelled when it ended and given back, 0 left to their locks; the broker now holds 0 waiting and", run.Output);
    }

    [Fact]
    public async Task TheCommandLine_AsANewUserMeetsIt_SaysWhatHappenedInPlainWords()
    {
        await using var redis = await RedisServer.StartAsync();
        var (run, url) = await RunOnAsync(redis);
        using var disposedAtEnd = run;
        try
        {
            Assert.Contains($"afirgen-tasks: ready: dashboard {url}/ , API {url}/api/", run.Output);

            // A second host on the same address: the sentence alone, no stack trace before it.
            var (code, _, stderr) = await ExecAsync("run", "--redis", redis.Configuration, "--urls", url);
            Assert.Equal(2, code);
            Assert.Contains($"afirgen-tasks: Cannot listen on {url}: the address is in use", stderr);
            Assert.DoesNotContain("   at ", stderr);
            Assert.DoesNotContain("fail:", stderr);

            // An id nobody enqueued: said at once, given up after a short stated time, not after the 300 s timeout.
            var started = DateTime.UtcNow;
            (code, _, stderr) = await ExecAsync("status", "5b7f-never-enqueued", "--wait", "--api", url);
            Assert.Equal(1, code);
            Assert.Contains("no task 5b7f-never-enqueued is known yet", stderr);
            Assert.Contains("gives this one 10 s to appear", stderr);
            Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 9, 40);

            // Large kwargs from a file and from standard input; an '@' is no response file.
            var file = Path.GetTempFileName();
            await File.WriteAllTextAsync(file, $$"""{"blob": "{{new string('x', 100_000)}}", "apostrophe": "it's"}""");
            string stdout;
            (code, stdout, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--kwargs-file", file, "--wait", "--api", url);
            Assert.True(code == 0, stderr);
            // Shown as people read it: no \u0027 for the apostrophe.
            Assert.Contains("\"apostrophe\":\"it's\"", stdout);
            (code, stdout, stderr) = await ExecAsync(["enqueue", "diagnostics.echo", "--kwargs-file", "-", "--wait", "--api", url], [], stdin: """{"from": "stdin"}""");
            Assert.True(code == 0, stderr);
            Assert.Contains("\"from\":\"stdin\"", stdout);
            File.Delete(file);
            (code, _, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--kwargs", "@" + file, "--api", url);
            Assert.Equal(1, code);
            Assert.Contains("--kwargs is not valid JSON", stderr);

            // Revoking what is not running says so.
            (code, stdout, _) = await ExecAsync("enqueue", "diagnostics.echo", "--wait", "--api", url);
            var finished = stdout.Split("  ")[0].Trim();
            (code, stdout, _) = await ExecAsync("revoke", finished, "--api", url);
            Assert.Equal(0, code);
            Assert.Contains($"Task {finished} had already finished (SUCCESS): nothing was running", stdout);
            (code, stdout, _) = await ExecAsync("revoke", "never-seen-id", "--api", url);
            Assert.Contains("Task never-seen-id is not known here", stdout);
            Assert.Contains("nothing was running", stdout);

            // Redis down: docs/command-line.md's exit code for "the API could not serve it" (2), the same for every command.
            await redis.StopAsync();
            foreach (var command in new[] { new[] { "enqueue", "diagnostics.echo" }, ["status", finished], ["revoke", finished] })
            {
                (code, _, stderr) = await ExecAsync([.. command, "--api", url], []);
                Assert.True(code == 2, $"{command[0]}: exit {code}: {stderr}");
                Assert.Contains("(503)", stderr);
            }
        }
        finally
        {
            run.Stop("TERM", TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task AnUnknownCommand_IsOneSentence_NotTwoContradictoryOnes()
    {
        var (code, _, stderr) = await ExecAsync("frobnicate");
        Assert.Equal(1, code);
        Assert.Equal("afirgen-tasks: 'frobnicate' is not a command; the commands are run, enqueue, status, revoke, reconcile, inspect, dead-letters, bench. "
            + "Run `afirgen-tasks --help` (or `afirgen-tasks <command> --help`) for what it takes.", stderr.Trim());
    }

    [Fact]
    public async Task Run_WithItsRedisUnreachable_SaysSoInOneSentence_AndStartsAnyway()
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        using var run = RunningHost.Start("run", "--redis", $"127.0.0.1:{RedisServer.FreePort()}", "--urls", url);
        try
        {
            await run.WaitForOutputAsync("afirgen-tasks: ready:", TimeSpan.FromSeconds(60));
            // Ten seconds of outage: each component says so once, not every second.
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        finally
        {
            run.Stop("TERM", TimeSpan.FromSeconds(30));
        }
        var text = run.Output;
        Assert.Contains("cannot be reached (ConnectionRefused): the host starts anyway and keeps trying, but runs and accepts no task until it can. Start it (./run.sh starts one)", text);
        Assert.True(CountOf(text, "[1103]") <= 1, $"receiving failures logged {CountOf(text, "[1103]")} times");
        Assert.True(CountOf(text, "[1600]") <= 1, $"monitoring failures logged {CountOf(text, "[1600]")} times");
        Assert.Equal(0, CountOf(text, "[1601]"));
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    [Fact]
    public async Task Run_WithoutAnyRedis_RefusesToStart_SayingWhatToPass()
    {
        var (code, _, stderr) = await ExecAsync("run", "--urls", $"http://127.0.0.1:{RedisServer.FreePort()}");
        Assert.Equal(2, code);
        Assert.Contains("afirgen-tasks: No durable broker is configured: pass --redis host:port", stderr);
        Assert.Contains("--broker memory", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Fact]
    public async Task Run_OnTheMemoryBroker_SaysAtStartWhatItLosesOnExit_AndAtStopWhatItDiscarded()
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        using var run = RunningHost.Start("run", "--broker", "memory", "--urls", url);
        try
        {
            await WaitForApiAsync(url);
            var (code, _, stderr) = await ExecAsync("enqueue", "diagnostics.echo", "--countdown", "600", "--api", url);
            Assert.True(code == 0, stderr);
        }
        finally
        {
            Assert.True(run.Stop("INT", TimeSpan.FromSeconds(20)), "afirgen-tasks run did not stop within 20 s of SIGINT");
        }
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("afirgen-tasks: broker: in this process's memory (--broker memory): every waiting, scheduled and held task is lost when it exits.", run.Output);
        Assert.Contains("The embedded broker discards on exit 0 waiting, 1 scheduled, 0 held and 0 dead-lettered messages", run.Output);
    }

    [Fact]
    public async Task Run_RefusesAnInvalidSetting_InOneSentenceNamingIt()
    {
        var (code, _, stderr) = await ExecAsync(["run", "--broker", "memory", "--urls", $"http://127.0.0.1:{RedisServer.FreePort()}"],
            new() { ["TaskProcessor__Routing__Queues__email__DefaultPriority"] = "12" });
        Assert.Equal(2, code);
        Assert.Contains("afirgen-tasks: The configuration is invalid, so nothing was started: Queue 'email' has default priority 12; use 1 (lowest) to 10 (highest).", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Theory]
    [InlineData("http://0.0.0.0:{0}", "0.0.0.0")]
    [InlineData("http://127.0.0.1:{0};http://[::]:{0}", "[::]")]
    public async Task Run_RefusesToListenBeyondLoopbackWithoutAKey_InOneSentence_AndListensNowhere(string urls, string exposed)
    {
        var port = RedisServer.FreePort();
        urls = string.Format(System.Globalization.CultureInfo.InvariantCulture, urls, port);
        // The in-memory broker, so that the address is the only thing that keeps it from starting.
        var (code, _, stderr) = await ExecAsync("run", "--broker", "memory", "--urls", urls);
        Assert.Equal(2, code);
        var refusal = stderr.Split('\n').Single(l => l.Contains("nothing was started", StringComparison.Ordinal));
        Assert.Equal($"afirgen-tasks: The configuration is invalid, so nothing was started: TaskProcessor:LocalHost:Urls {urls} listens beyond this machine ({exposed}), "
            + "where anyone who reaches it could run tasks, so set TaskProcessor:LocalHost:ApiKey (env TaskProcessor__LocalHost__ApiKey) to a secret of at least 16 characters "
            + "that clients send as x-functions-key or ?code=, or listen on http://127.0.0.1:<port>.", refusal);
        Assert.DoesNotContain("Unhandled exception", stderr);
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port));

        // A key too short to be a secret is refused the same way.
        (code, _, stderr) = await ExecAsync(["run", "--broker", "memory", "--urls", $"http://127.0.0.1:{port}"], new() { ["TaskProcessor__LocalHost__ApiKey"] = "hunter2" });
        Assert.Equal(2, code);
        Assert.Contains("TaskProcessor:LocalHost:ApiKey is 7 characters long; use a random secret of at least 16", stderr);
        Assert.DoesNotContain("hunter2", stderr);
    }

    [Theory]
    [InlineData("amqp://guest:hunter2@localhost:5672//", "is not a Redis URL")]
    [InlineData("redis://:hunter2@localhost:6379/one", "which is not a database number")]
    public async Task Run_RefusesABrokerUrlThatIsNotRedis_SayingHowToWriteIt_WithoutItsPassword(string url, string problem)
    {
        var (code, _, stderr) = await ExecAsync("run", "--broker", url, "--urls", $"http://127.0.0.1:{RedisServer.FreePort()}");
        Assert.Equal(2, code);
        Assert.Contains("afirgen-tasks: --broker: ", stderr);
        Assert.Contains(problem, stderr);
        Assert.Contains("e.g. redis://localhost:6379/1", stderr);
        Assert.Contains("Or pass --broker memory", stderr);
        Assert.DoesNotContain("hunter2", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Fact]
    public async Task Bench_RunsToItsFigures_OnAFreshHost()
    {
        // Not a speed test: it proves the benchmark command still runs (it builds its own host), so the
        // figures in docs/performance.md can always be reproduced.
        await using var redis = await RedisServer.StartAsync();
        // A warm-up asked for larger than the rounds is cut to --count, and says how it ended.
        var (code, stdout, stderr) = await ExecAsync("bench", "--redis", redis.Configuration, "--count", "300", "--rounds", "1", "--warmup", "10000", "--workload", "noop", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("noop warm-up round 1: 300 tasks (untimed)", stderr);
        Assert.DoesNotContain("10000 tasks", stderr);
        Assert.Matches(@"noop warm-up (done: the JIT settled after \d+ rounds of 300 tasks|stopped after \d+ rounds)", stderr);
        Assert.Contains("celery = our engine doing the Celery worker's per-task work", stdout);
        var figures = System.Text.Json.Nodes.JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal(300, figures["count"]!.GetValue<int>());
        // Both settings ran: the Celery baseline's work per task, and AFIRGen's.
        foreach (var settings in new[] { "celery", "afirgen" })
        {
            Assert.True(figures["settings"]![settings]!["workloads"]!["noop"]!["tasks_per_s"]!.GetValue<double>() > 0, $"no {settings} figures in {stdout}");
        }
    }

    [Fact]
    public async Task BenchEnqueue_MeasuresPostApiTasks_OneAtATimeAndAtARate_OnAHostItStartsAndStops()
    {
        // Not a speed test: the enqueue workload starts its host, runs to its figures with every request accepted, and stops it.
        await using var redis = await RedisServer.StartAsync();
        var (code, stdout, stderr) = await ExecAsync("bench", "--redis", redis.Configuration, "--workload", "enqueue",
            "--latency-samples", "50", "--enqueue-rate", "100", "--enqueue-seconds", "2", "--json");
        Assert.True(code == 0, stderr);
        var figures = System.Text.Json.Nodes.JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal(50, figures["single"]!["requests"]!.GetValue<int>());
        Assert.Equal(200, figures["sustained"]!["requests"]!.GetValue<int>());
        foreach (var part in new[] { "single", "sustained" })
        {
            Assert.Equal(0, figures[part]!["failed"]!.GetValue<int>());
            Assert.True(figures[part]!["p50_ms"]!.GetValue<double>() > 0, stdout);
            Assert.True(figures[part]!["host_cpu_us_per_request"]!.GetValue<double>() >= 0, stdout);
        }
    }

    [Fact]
    public async Task Bench_SaysWhatToGive_WithoutRedisOrBroker_AndRefusesABrokerThatIsNotRedis()
    {
        var (code, _, stderr) = await ExecAsync("bench");
        Assert.Equal(2, code);
        Assert.Contains("--redis host:port", stderr);
        Assert.Contains("--broker redis://", stderr);

        (code, _, stderr) = await ExecAsync("bench", "--broker", "amqp://127.0.0.1:5672");
        Assert.Equal(2, code);
        Assert.Contains("--broker takes a Redis URL", stderr);

        (code, _, stderr) = await ExecAsync("bench", "--redis", "127.0.0.1:1", "--workload", "latency");
        Assert.Equal(2, code);
        Assert.Contains("the latency workload runs with --broker redis://host:port", stderr);

        (code, _, stderr) = await ExecAsync("bench", "--broker", "redis://127.0.0.1:1", "--settings", "both");
        Assert.Equal(2, code);
        Assert.Contains("with --broker, --settings takes celery or afirgen", stderr);
    }

    [Fact]
    public async Task Reconcile_SaysWhichSettingIsMissing()
    {
        var (code, _, stderr) = await ExecAsync("reconcile", "--redis", "127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("No MySQL connection is configured", stderr);
        Assert.Contains("--mysql", stderr);
    }

    [Fact]
    public async Task Status_SaysWhatToDo_WhenNoHostIsRunning()
    {
        var (code, _, stderr) = await ExecAsync("status", "some-id", "--api", $"http://127.0.0.1:{RedisServer.FreePort()}");
        Assert.Equal(2, code);
        Assert.Contains("Is `afirgen-tasks run` running?", stderr);
    }

    [Fact]
    public async Task ApiCommands_SendTheFunctionKey_FromTheApiUrlOrTheEnvironment_AndSayHowToPassOne_WhenRefused()
    {
        // Stands in for the Functions app's keyed api/ routes, which cannot run here: 401 unless the key is one it issued.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Path, string Key)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        api.Use(async (HttpContext context, RequestDelegate _) =>
        {
            var key = context.Request.Headers["x-functions-key"].ToString();
            seen.Enqueue((context.Request.Path + context.Request.QueryString, key));
            context.Response.StatusCode = key is "from-url" or "from-env" ? 404 : 401;
            await context.Response.WriteAsync("""{"title":"Not found","detail":"No task with that id has been seen."}""");
        });
        await api.StartAsync();
        var url = api.Urls.Single();

        var (_, _, fromUrlErr) = await ExecAsync("status", "t1", "--api", url + "/?code=from-url");
        var (_, _, fromEnvErr) = await ExecAsync(["status", "t2", "--api", url], new() { ["AFIRGEN_TASKS_API_KEY"] = "from-env" });
        var (noKeyCode, _, noKeyErr) = await ExecAsync("status", "t3", "--api", url);
        var (wrongKeyCode, _, wrongKeyErr) = await ExecAsync("status", "t4", "--api", url + "/?code=wrong");

        Assert.Equal([("/api/tasks/t1", "from-url"), ("/api/tasks/t2", "from-env"), ("/api/tasks/t3", ""), ("/api/tasks/t4", "wrong")], seen.ToArray());
        Assert.DoesNotContain("a key", fromUrlErr + fromEnvErr);
        Assert.DoesNotContain("the key", fromUrlErr + fromEnvErr);
        Assert.Equal(2, noKeyCode);
        Assert.Contains("asks for a key (401): pass --api", noKeyErr);
        Assert.Contains("AFIRGEN_TASKS_API_KEY", noKeyErr);
        Assert.Equal(2, wrongKeyCode);
        Assert.Contains("refused the key (401)", wrongKeyErr);
    }

    private static Process Start(params string[] args) => Start(args, []);

    private static Process Start(string[] args, Dictionary<string, string> environment, bool redirectInput = false)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static Task<(int Code, string StdOut, string StdErr)> ExecAsync(params string[] args) => ExecAsync(args, []);

    private static async Task<(int Code, string StdOut, string StdErr)> ExecAsync(string[] args, Dictionary<string, string> environment, string? stdin = null)
    {
        using var p = Start(args, environment, redirectInput: stdin is not null);
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // A command that should have ended (a run that should have refused to start) must not outlive the test.
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>afirgen-tasks run --redis</c> on <paramref name="redis"/> at a free loopback address, once its API answers.</summary>
    private static async Task<(RunningHost Run, string Url)> RunOnAsync(RedisServer redis)
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var run = RunningHost.Start("run", "--redis", redis.Configuration, "--urls", url);
        try
        {
            await WaitForApiAsync(url);
        }
        catch
        {
            run.Stop("TERM", TimeSpan.FromSeconds(30));
            run.Dispose();
            throw;
        }
        return (run, url);
    }

    private static async Task WaitForApiAsync(string url)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var r = await http.GetAsync($"{url}/api/queues");
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, "the local host's API did not come up within 30 s");
            await Task.Delay(100);
        }
    }
}
