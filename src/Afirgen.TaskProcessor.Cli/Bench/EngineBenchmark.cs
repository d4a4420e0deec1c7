using Afirgen.TaskProcessor.Cli.LocalHost;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary>
/// Measures the engine the way DESIGN.md measures Celery: tasks go through the embedded broker with
/// Celery-format results in a real Redis (SETEX + PUBLISH; STARTED too under AFIRGen's settings, see
/// <see cref="BenchSettings"/>), and a round is timed from the first enqueue until every result key holds
/// SUCCESS, polled in pipelined batches.
/// </summary>
internal sealed class EngineBenchmark(string redisConfiguration, int database, int concurrency, TextWriter log)
{
    // Same polling as the Celery baseline: oldest pending ids first, chunks of 256, 5 ms between polls.
    private const int PollBatch = 256;
    private const int MaxWarmUpRounds = 30;
    // A bound the user can rely on whatever the counts: warm-up stops after this long even if the JIT has not settled.
    private static readonly TimeSpan MaxWarmUpTime = TimeSpan.FromSeconds(30);
    // Two rounds in a row whose compilations took under 1 % of their time: the runtime has settled (one such round
    // alone was sometimes followed by another burst of tier-up).
    private const double SettledJitShare = 0.01;
    private const int SettledRounds = 2;

    public async Task<IReadOnlyList<BenchFigures>> RunAsync(IReadOnlyList<BenchSettings> settings, IReadOnlyList<BenchWorkload> workloads, int count, int rounds, int warmup, CancellationToken cancellationToken)
    {
        // The poller has a connection of its own, as Celery's baseline polls from another process: its reads must
        // not queue on the engine's connection behind the engine's writes (its CPU still counts as the process's).
        await using var pollConnection = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var redis = pollConnection.GetDatabase(database);
        await redis.PingAsync();
        var figures = new List<BenchFigures>();
        foreach (var setting in settings)
        {
            await log.WriteLineAsync($"engine: settings '{setting.Name}': {setting.Description}");
            figures.AddRange(await RunWithAsync(setting, redis, workloads, count, rounds, warmup, cancellationToken));
        }
        return figures;
    }

    private async Task<IReadOnlyList<BenchFigures>> RunWithAsync(BenchSettings settings, IDatabase redis, IReadOnlyList<BenchWorkload> workloads, int count, int rounds, int warmup, CancellationToken cancellationToken)
    {
        using var host = BuildHost(settings);
        var publisher = host.Services.GetRequiredService<TaskPublisher>();

        await host.StartAsync(cancellationToken);
        var figures = new List<BenchFigures>();
        try
        {
            foreach (var workload in workloads)
            {
                // Warm-up rounds are no larger than the timed ones: --count bounds the warm-up too.
                await WarmUpAsync(publisher, redis, workload, Math.Min(warmup, count), cancellationToken);
                var results = new List<RoundResult>();
                for (var round = 1; round <= rounds; round++)
                {
                    var r = await RoundAsync(publisher, redis, workload, count, cancellationToken);
                    await log.WriteLineAsync(FormattableString.Invariant($"engine: {settings.Name} {workload.Name} round {round}: {r.TasksPerSecond:0} tasks/s, p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms, {r.CpuMicrosecondsPerTask:0.0} µs process CPU/task, {r.AllocatedKbPerTask:0.0} KB allocated/task, {r.WorkItemsPerTask:0.0} thread-pool work items/task, {r.Gen0Collections} gen0 GCs"));
                    results.Add(r);
                }
                figures.Add(new BenchFigures(settings.Name, workload.Name, count, rounds,
                    Median(results.Select(r => r.TasksPerSecond)), Median(results.Select(r => r.P50Ms)),
                    Median(results.Select(r => r.P99Ms)), 0, Median(results.Select(r => r.CpuMicrosecondsPerTask)), concurrency));
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        // Celery's CPU figure is its worker's alone; ours runs the producer in the same process. What producing
        // costs is measured now, with the consumers stopped and the code as warm as it was in the rounds, and
        // subtracted. The tasks stay in the embedded broker, which goes with the host.
        for (var i = 0; i < figures.Count; i++)
        {
            var workload = workloads.First(w => w.Name == figures[i].Workload);
            var producing = Math.Max(1_000, Math.Min(count, 20_000));
            var (_, cpu) = await ProduceAsync(publisher, workload, producing, cancellationToken);
            var perTask = cpu.TotalMicroseconds / producing;
            await log.WriteLineAsync(FormattableString.Invariant($"engine: {settings.Name}: producing a {workload.Name} task costs {perTask:0.0} µs CPU (measured on {producing} tasks after the rounds, subtracted from the engine's figure)"));
            figures[i] = figures[i] with { CpuMicrosecondsPerTask = Math.Max(0, figures[i].ProcessCpuMicrosecondsPerTask - perTask) };
        }
        return figures;
    }

    /// <summary>A local engine on the embedded broker with results in the benchmark's Redis, and <paramref name="settings"/>' per-task work.</summary>
    private IHost BuildHost(BenchSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{RedisOptions.Section}:Configuration"] = redisConfiguration,
            [$"{RedisOptions.Section}:Database"] = database.ToString(CultureInfo.InvariantCulture),
            [$"{WorkerOptions.Section}:Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
            [$"{WorkerOptions.Section}:PrefetchMultiplier"] = "4",
            [$"{WorkerOptions.Section}:Queues:0"] = "default",
            // This measures the engine on its embedded broker; `bench --broker` measures the Redis transport.
            [$"{LocalHostOptions.Section}:Broker"] = LocalBroker.Memory,
            // The broker remembers every message id for its duplicate window; at benchmark rates ten
            // minutes of ids is millions of entries, which is not what is being measured.
            ["TaskProcessor:Broker:DuplicateDetectionWindow"] = "00:00:30",
            // Beat has nothing to do with throughput and would only warn about tasks the bench does not register.
            ["TaskProcessor:Schedule:Enabled"] = "false",
            // The local engine registers the AFIRGen tasks too; the benchmark runs none of them, so their
            // back-ends are the demo stand-ins rather than servers it would have to be given.
            ["Afirgen:Demo:Enabled"] = "true",
            ["TaskProcessor:StatusMirror:Enabled"] = "false",
        });
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddLocalEngine();
        return builder.Build();
    }

    /// <summary>
    /// Untimed rounds until the runtime has settled: .NET compiles a method quickly first and again, optimised with
    /// what it saw, once the method is hot, on a background thread. On two cores those compilations share the CPU
    /// with the early rounds and more than double their CPU per task, which a long-running worker pays once at start.
    /// So rounds of <paramref name="warmup"/> tasks run until two in a row compile almost nothing (at most
    /// <see cref="MaxWarmUpRounds"/> rounds or <see cref="MaxWarmUpTime"/>, whichever comes first), and the log says how it
    /// ended. Celery's baseline gets its own untimed warm-up; CPython compiles nothing.
    /// </summary>
    private async Task WarmUpAsync(TaskPublisher publisher, IDatabase redis, BenchWorkload workload, int warmup, CancellationToken cancellationToken)
    {
        if (warmup < 1)
        {
            return;
        }
        var settled = 0;
        var warmingUp = Stopwatch.StartNew();
        for (var round = 1; round <= MaxWarmUpRounds; round++)
        {
            if (warmingUp.Elapsed > MaxWarmUpTime)
            {
                await log.WriteLineAsync(FormattableString.Invariant($"engine: {workload.Name} warm-up stopped after {round - 1} rounds ({warmingUp.Elapsed.TotalSeconds:0} s, the limit): the JIT had not settled, so the figures include some compilation"));
                return;
            }
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            var jitTimeBefore = JitInfo.GetCompilationTime();
            var clock = Stopwatch.StartNew();
            var (ids, _) = await ProduceAsync(publisher, workload, warmup, cancellationToken);
            await PollUntilAllDoneAsync(redis, ids, cancellationToken);
            await DeleteResultsAsync(redis, ids);
            var compiled = JitInfo.GetCompiledMethodCount() - compiledBefore;
            var jitShare = (JitInfo.GetCompilationTime() - jitTimeBefore) / clock.Elapsed;
            await log.WriteLineAsync(FormattableString.Invariant($"engine: {workload.Name} warm-up round {round}: {warmup} tasks (untimed), {compiled} methods compiled, JIT {jitShare:0.0%} of the time"));
            settled = jitShare < SettledJitShare ? settled + 1 : 0;
            if (settled == SettledRounds)
            {
                await log.WriteLineAsync(FormattableString.Invariant($"engine: {workload.Name} warm-up done: the JIT settled after {round} rounds of {warmup} tasks ({warmingUp.Elapsed.TotalSeconds:0.0} s)"));
                return;
            }
        }
        await log.WriteLineAsync(FormattableString.Invariant($"engine: the JIT had not settled after {MaxWarmUpRounds} warm-up rounds; the figures include some compilation"));
    }

    private static async Task<(string[] Ids, TimeSpan Cpu)> ProduceAsync(TaskPublisher publisher, BenchWorkload workload, int count, CancellationToken cancellationToken)
    {
        var ids = new string[count];
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            ids[i] = Guid.NewGuid().ToString();
            await publisher.PublishAsync(new TaskRequest { TaskName = workload.TaskName, TaskId = ids[i], Kwargs = workload.Kwargs() }, cancellationToken);
        }
        process.Refresh();
        return (ids, process.TotalProcessorTime - before);
    }

    private static async Task DeleteResultsAsync(IDatabase redis, string[] ids)
    {
        for (var start = 0; start < ids.Length; start += PollBatch)
        {
            await redis.KeyDeleteAsync(ids.Skip(start).Take(PollBatch).Select(id => (RedisKey)CeleryResultSerializer.KeyFor(id)).ToArray());
        }
    }

    private static async Task<RoundResult> RoundAsync(TaskPublisher publisher, IDatabase redis, BenchWorkload workload, int count, CancellationToken cancellationToken)
    {
        var ids = new string[count];
        var sentAt = new DateTimeOffset[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = Guid.NewGuid().ToString();
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gen0Before = GC.CollectionCount(0);
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var clock = Stopwatch.StartNew();

        var poller = PollUntilAllDoneAsync(redis, ids, cancellationToken);
        for (var i = 0; i < count; i++)
        {
            sentAt[i] = DateTimeOffset.UtcNow;
            await publisher.PublishAsync(new TaskRequest { TaskName = workload.TaskName, TaskId = ids[i], Kwargs = workload.Kwargs() }, cancellationToken);
        }
        await poller;
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var gen0 = GC.CollectionCount(0) - gen0Before;
        var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;

        // Queue-to-done per task: the stored date_done (microseconds, UTC) minus the send time.
        var latencies = new List<double>(count);
        for (var start = 0; start < count; start += PollBatch)
        {
            var keys = ids.Skip(start).Take(PollBatch).Select(id => (RedisKey)CeleryResultSerializer.KeyFor(id)).ToArray();
            var values = await redis.StringGetAsync(keys);
            for (var i = 0; i < values.Length; i++)
            {
                var meta = CeleryResultSerializer.Deserialize((byte[])values[i]!);
                if (meta?.DateDone is { } done)
                {
                    latencies.Add((done - sentAt[start + i]).TotalMilliseconds);
                }
            }
            await redis.KeyDeleteAsync(keys);
        }
        latencies.Sort();
        return new RoundResult(
            count / elapsed.TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            cpu.TotalMicroseconds / count,
            allocated / 1024.0 / count,
            gen0,
            (double)workItems / count);
    }

    private static async Task PollUntilAllDoneAsync(IDatabase redis, string[] ids, CancellationToken cancellationToken)
    {
        // Under AFIRGen's settings our runner stores STARTED before it runs a task (Celery's baseline does not
        // track started), so a key existing is not enough: a task counts once its key holds a terminal state. Only the first bytes
        // of each value are read (the status comes first), so polling costs about what Celery's EXISTS does,
        // rather than moving and parsing whole results in the process whose CPU is measured.
        // The oldest pending ids, at most one chunk; refilled from the ids in order (never rescanning them all).
        var window = new List<string>(PollBatch);
        var next = 0;
        var deadline = Stopwatch.StartNew();
        while (window.Count > 0 || next < ids.Length)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{window.Count + ids.Length - next} of {ids.Length} tasks had no result after 5 minutes.");
            }
            while (window.Count < PollBatch && next < ids.Length)
            {
                window.Add(ids[next++]);
            }
            var keys = new RedisKey[window.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = CeleryResultSerializer.KeyFor(window[i]);
            }
            var values = (RedisValue[])(await redis.ScriptEvaluateAsync(StatusPrefixesScript, keys))!;
            var stillPending = 0;
            for (var i = 0; i < values.Length; i++)
            {
                var status = ((byte[]?)values[i] ?? []).AsSpan();
                if (status.StartsWith(Failure))
                {
                    var result = await redis.StringGetAsync(keys[i]);
                    throw new InvalidOperationException("A benchmark task failed: " + (string?)result);
                }
                if (!status.StartsWith(Success))
                {
                    window[stillPending++] = window[i];
                }
            }
            var allDone = stillPending == 0;
            window.RemoveRange(stillPending, window.Count - stillPending);
            if (!allDone)
            {
                await Task.Delay(5, cancellationToken);
            }
        }
    }

    // The first bytes of each result key: enough for its status.
    private const string StatusPrefixesScript = """
        local r = {}
        for i, k in ipairs(KEYS) do r[i] = redis.call('GETRANGE', k, 0, 24) end
        return r
        """;

    private static readonly byte[] Success = "{\"status\":\"SUCCESS\""u8.ToArray();
    private static readonly byte[] Failure = "{\"status\":\"FAILURE\""u8.ToArray();

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record RoundResult(double TasksPerSecond, double P50Ms, double P99Ms, double CpuMicrosecondsPerTask, double AllocatedKbPerTask, int Gen0Collections, double WorkItemsPerTask);
}
