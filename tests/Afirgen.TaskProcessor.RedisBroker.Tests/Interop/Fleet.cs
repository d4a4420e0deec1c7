using System.Diagnostics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Interop;

/// <summary>
/// A mixed fleet on one redis-server: our FaultWorker and Celery's fleet_app.py as child processes (so a test
/// can kill them with SIGKILL), a real Celery producer, and the fleet's records. Broker in database 1, results
/// in 2, records in 3, as AFIRGen lays out its Redis; every key of one fleet under its own prefixes.
/// </summary>
internal sealed class Fleet(RedisServer redis) : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly string[] CeleryApp = ["-m", "celery", "-A", "fleet_app"];
    private readonly List<Process> _processes = [];

    public string KeyPrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
    public string Broker => redis.Url(1);
    public static IDatabase Records(IConnectionMultiplexer connection) => connection.GetDatabase(3);

    /// <summary>
    /// Starts our worker (afirgen-tasks <c>run</c>, with the fleet's task added) on <paramref name="queues"/>; it is
    /// consuming once it has logged so. <paramref name="visibilityTimeout"/> is our workers' lease;
    /// <paramref name="celeryVisibilityTimeout"/> (default: the same) the Celery workers' visibility timeout.
    /// </summary>
    public async Task<Process> StartOursAsync(string[] queues, TimeSpan visibilityTimeout, int concurrency = 4, int prefetchMultiplier = 4,
        string priorityOrder = "HighestFirst", TimeSpan? celeryVisibilityTimeout = null, string? name = null,
        IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var dll = Path.Combine(RepositoryRoot.Path, "tests", "Afirgen.TaskProcessor.RedisBroker.FaultWorker", "bin", Configuration, "net10.0",
            "Afirgen.TaskProcessor.RedisBroker.FaultWorker.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Api = $"http://127.0.0.1:{RedisServer.FreePort()}";
        foreach (var a in new[] { dll, "run", "--redis", redis.Configuration, "--broker", Broker, "--urls", Api })
        {
            start.ArgumentList.Add(a);
        }
        if (name is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(name);
        }
        var settings = new Dictionary<string, string>
        {
            ["TaskProcessor:RedisBroker:GlobalKeyPrefix"] = KeyPrefix,
            ["TaskProcessor:RedisBroker:VisibilityTimeout"] = visibilityTimeout.ToString("c"),
            ["TaskProcessor:RedisBroker:CeleryVisibilityTimeout"] = (celeryVisibilityTimeout ?? visibilityTimeout).ToString("c"),
            ["TaskProcessor:RedisBroker:RestoreInterval"] = "00:00:00.500",
            ["TaskProcessor:RedisBroker:PriorityOrder"] = priorityOrder,
            ["TaskProcessor:Redis:Database"] = "2",
            ["TaskProcessor:Worker:Concurrency"] = concurrency.ToString(),
            ["TaskProcessor:Worker:PrefetchMultiplier"] = prefetchMultiplier.ToString(),
            ["TaskProcessor:Schedule:Enabled"] = "false",
            // A configured queue: the API enqueues to it, and follow-ups that name it (a chord's body) are sent there.
            ["TaskProcessor:Routing:Queues:fleet:DefaultPriority"] = "5",
            ["Fleet:Prefix"] = KeyPrefix,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Afirgen.TaskProcessor.Engine.Hosting"] = "Information",
        };
        for (var i = 0; i < queues.Length; i++) settings[$"TaskProcessor:Worker:Queues:{i}"] = queues[i];
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>()) settings[key] = value;
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return await StartAsync(start, "Consuming queue", "our worker");
    }

    /// <summary>The API of the last worker of ours started (its <c>--urls</c>).</summary>
    public string Api { get; private set; } = "";

    /// <summary>
    /// Starts a Celery worker (prefork) on <paramref name="queue"/>; it is consuming once it says ready. Named
    /// <paramref name="name"/> (default: a fresh <c>fleet-…@host</c>); with <paramref name="heartbeats"/> it sends its
    /// worker events (Celery's default), without them it is quiet (the fault suite's set-up); with <paramref name="mingle"/> it
    /// asks the workers already there for their revoked ids when it starts (Celery's default), without it it does not.
    /// </summary>
    public Task<Process> StartCeleryAsync(string queue, TimeSpan visibilityTimeout, int concurrency = 2, string? name = null, bool heartbeats = false,
        bool mingle = false)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-m", "celery", "-A", "fleet_app", "worker", "-Q", queue, "--loglevel", "INFO", "-n", name ?? $"fleet-{Guid.NewGuid():N}@%h", "--without-gossip" })
        {
            start.ArgumentList.Add(a);
        }
        if (!mingle)
        {
            start.ArgumentList.Add("--without-mingle");
        }
        if (!heartbeats)
        {
            start.ArgumentList.Add("--without-heartbeat");
        }
        SetCeleryEnvironment(start, visibilityTimeout);
        start.Environment["FLEET_CONCURRENCY"] = concurrency.ToString();
        return StartAsync(start, "ready.", "the Celery worker");
    }

    /// <summary>Celery's command line on this fleet's broker (<c>python3 -m celery -A fleet_app …</c>): inspect, status, control, events.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)> CeleryAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python);
        foreach (var a in CeleryApp.Concat(arguments))
        {
            start.ArgumentList.Add(a);
        }
        SetCeleryEnvironment(start, TimeSpan.FromHours(1));
        // Commands that run until stopped (celery events --dump) end at the timeout, stopped as Ctrl+C would stop them.
        var run = await ChildProcess.RunAsync(start, timeout);
        return (run.ExitCode, run.StdOut, run.StdErr);
    }

    /// <summary>Celery's remote control through <c>tools/celery/fleet_control.py</c> (app.control, as AFIRGen calls it).</summary>
    public async Task<string> ControlAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await CeleryTools.RunAsync("fleet_control.py", ["--broker", Broker, "--global-keyprefix", KeyPrefix, .. arguments], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"fleet_control.py exited {code}: {stderr}");
        return stdout.Trim();
    }

    /// <summary>The replies of <c>app.control.inspect().<paramref name="method"/>()</c>, by worker name (empty when none replied).</summary>
    public async Task<JsonObject> InspectAsync(string method, params string[] more) =>
        JsonNode.Parse(await ControlAsync(["inspect", method, .. more])) as JsonObject ?? [];

    /// <summary>The replies of <c>app.control.broadcast(<paramref name="command"/>, reply=True)</c>, merged by worker name.</summary>
    public async Task<JsonObject> CallAsync(string command, string arguments = "{}", params string[] more)
    {
        var merged = new JsonObject();
        foreach (var reply in JsonNode.Parse(await ControlAsync(["call", command, "--arguments", arguments, .. more]))!.AsArray())
        {
            foreach (var (worker, value) in reply!.AsObject())
            {
                merged[worker] = value?.DeepClone();
            }
        }
        return merged;
    }

    /// <summary>Sends a chord of <paramref name="size"/> <c>fleet.square</c> tasks and a <c>fleet.total</c> body through Celery's canvas.</summary>
    public async Task<(string Body, string Group, string[] Header)> ProduceChordAsync(int size, int? failIndex = null)
    {
        string[] extra = failIndex is { } f ? ["--fail-index", f.ToString()] : [];
        var line = (await ProduceAsync(["--chord", size.ToString(), "--backend", redis.Url(2), .. extra])).Single();
        var sent = JsonNode.Parse(line)!;
        return (sent["body"]!.GetValue<string>(), sent["group"]!.GetValue<string>(), [.. sent["header"]!.AsArray().Select(h => h!.GetValue<string>())]);
    }

    private void SetCeleryEnvironment(ProcessStartInfo start, TimeSpan visibilityTimeout)
    {
        start.Environment["PYTHONPATH"] = Path.Combine(RepositoryRoot.Path, "tools", "celery");
        start.Environment["FLEET_BROKER"] = Broker;
        start.Environment["FLEET_BACKEND"] = redis.Url(2);
        start.Environment["FLEET_REDIS"] = redis.Url(3);
        start.Environment["FLEET_PREFIX"] = KeyPrefix;
        start.Environment["FLEET_GLOBAL_KEYPREFIX"] = KeyPrefix;
        start.Environment["FLEET_VISIBILITY_TIMEOUT"] = visibilityTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends tasks through a real Celery producer; returns the ids it printed (for --shapes: "shape id" lines).</summary>
    public async Task<string[]> ProduceAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await CeleryTools.RunAsync("fleet_producer.py", ["--broker", Broker, "--global-keyprefix", KeyPrefix, .. arguments], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"fleet_producer.py exited {code}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Kills <paramref name="process"/> and its children with SIGKILL: nothing of it runs after this.</summary>
    public static async Task KillAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 100 ms.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>The result Celery's backend holds for <paramref name="taskId"/>, or null.</summary>
    public static async Task<JsonObject?> ResultAsync(IConnectionMultiplexer connection, string taskId)
    {
        var value = await connection.GetDatabase(2).StringGetAsync("celery-task-meta-" + taskId);
        return value.IsNull ? null : JsonNode.Parse((string)value!)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                await KillAsync(process);
            }
            catch (InvalidOperationException)
            {
                // Never started or already gone.
            }
            process.Dispose();
        }
    }

    private async Task<Process> StartAsync(ProcessStartInfo start, string readyLine, string what)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (e.Data.Contains(readyLine, StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Start();
        _processes.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var finished = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == ready.Task, $"{what} did not start: {string.Join("\n", output.TakeLast(30))}");
        return process;
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
}
