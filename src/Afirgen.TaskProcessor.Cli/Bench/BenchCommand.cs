using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary><c>afirgen-tasks bench</c>: the engine's throughput, latency and CPU per task.</summary>
internal static class BenchCommand
{
    // Over 60 lines: it declares the command's fifteen options and picks one of the three benchmarks from them;
    // each benchmark's own work is a method of its own (RunEnqueueAsync, RunEngineAsync, BrokerBenchmark).
    public static Command Create()
    {
        var redis = new Option<string>("--redis") { Description = "Redis for results (the benchmark measures real result writes), e.g. 127.0.0.1:6379; required unless --broker is given." };
        var broker = new Option<string>("--broker")
        {
            Description = "Instead: Celery's workers against ours on Celery's Redis broker, e.g. redis://127.0.0.1:6379 (databases 1, 2 and 4 are used and flushed), driven by the repository's tools/celery/redis_broker_bench.py.",
        };
        var celeryCount = new Option<int>("--celery-count") { Description = "With --broker: tasks per round for Celery's worker (default 2,000; --count is ours, default 10,000)." };
        var database = new Option<int>("--database") { Description = "Redis database for results.", DefaultValueFactory = _ => 3 };
        var count = new Option<int>("--count", "-n") { Description = "Tasks per round.", DefaultValueFactory = _ => 20_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per workload; the median is reported.", DefaultValueFactory = _ => 3 };
        var starts = new Option<int>("--starts") { Description = "With --broker: starts of each worker, each warmed up and timed for --rounds; the median is over all their rounds (default 1). A worker settles at a rate of its own, so a figure meant for the code takes several." };
        var warmup = new Option<int>("--warmup") { Description = "Tasks per untimed warm-up round, at most --count; warm-up rounds run until the JIT has settled, at most 30 rounds or 30 s per workload (0: none).", DefaultValueFactory = _ => 10_000 };
        var workload = new Option<string>("--workload")
        {
            Description = "noop, sleep10 or both; enqueue (POST /api/tasks on a local host: one at a time, then --enqueue-rate for --enqueue-seconds); with --broker also latency (one task at a time, send to result published, beside Celery's worker) or all.",
            DefaultValueFactory = _ => "both",
        };
        var latencySamples = new Option<int>("--latency-samples") { Description = "Timed one-at-a-time tasks per worker (latency, with --broker) or requests (enqueue); default 1,000." };
        var latencyWarmupSeconds = new Option<int>("--latency-warmup-seconds")
        {
            Description = "With --broker, the latency workload: untimed samples go on for at least this long per worker, after --warmup of them (default 20; our worker's hot path is recompiled, optimised, over about that long at one task every 12 ms).",
        };
        var enqueueRate = new Option<int>("--enqueue-rate") { Description = "The enqueue workload's sustained rate of POST /api/tasks, requests/s.", DefaultValueFactory = _ => 1_000 };
        var enqueueSeconds = new Option<int>("--enqueue-seconds") { Description = "How long the enqueue workload sustains its rate, s.", DefaultValueFactory = _ => 30 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Tasks run at once (async).", DefaultValueFactory = _ => 100 };
        var settings = new Option<string>("--settings")
        {
            Description = "Our engine's per-task work: celery (the Celery worker's work: no STARTED, no extended results, no task events; ours, not Celery), afirgen (AFIRGen's settings) or both (with --broker: celery or afirgen, default celery).",
            DefaultValueFactory = _ => "both",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on the last line." };

        workload.AcceptOnlyFromAmong("noop", "sleep10", "both", "latency", "all", "enqueue");
        settings.AcceptOnlyFromAmong("celery", "afirgen", "both");

        var command = new Command("bench", "Run N no-op and N 10 ms async-sleep tasks through the embedded broker with results in Redis.")
        {
            redis, broker, database, count, celeryCount, rounds, starts, warmup, workload, latencySamples, latencyWarmupSeconds, enqueueRate, enqueueSeconds, concurrency, settings, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(broker) is { } brokerUrl)
            {
                int? Given(Option<int> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
                string? GivenText(Option<string> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
                if (GivenText(settings) is "both")
                {
                    await Console.Error.WriteLineAsync("afirgen-tasks bench: with --broker, --settings takes celery or afirgen (one worker per run; default celery).");
                    return 2;
                }
                return await BrokerBenchmark.RunAsync(brokerUrl, new BrokerBenchmark.Options(
                    Given(count), Given(celeryCount), Given(rounds), Given(starts), Given(warmup), GivenText(workload),
                    Given(concurrency), Given(latencySamples), Given(latencyWarmupSeconds), GivenText(settings), parse.GetValue(json)), cancellationToken);
            }
            if (parse.GetValue(redis) is not { Length: > 0 })
            {
                await Console.Error.WriteLineAsync("afirgen-tasks bench: give --redis host:port (results for the embedded-broker benchmark) or --broker redis://host:port (the Redis-broker comparison with Celery).");
                return 2;
            }
            var n = parse.GetValue(count);
            var r = parse.GetValue(rounds);
            var c = parse.GetValue(concurrency);
            if (parse.GetValue(workload) is "enqueue")
            {
                var samples = parse.GetResult(latencySamples) is { Implicit: false } ? parse.GetValue(latencySamples) : 1_000;
                return await RunEnqueueAsync(parse.GetValue(redis)!, samples, parse.GetValue(enqueueRate), parse.GetValue(enqueueSeconds), parse.GetValue(json), cancellationToken);
            }
            if (parse.GetValue(workload) is "latency" or "all")
            {
                await Console.Error.WriteLineAsync("afirgen-tasks bench: the latency workload runs with --broker redis://host:port (beside Celery's worker, on the Redis transport and on the embedded broker through the API).");
                return 2;
            }
            if (n < 1 || r < 1 || c < 1 || n > 1_000_000)
            {
                await Console.Error.WriteLineAsync("afirgen-tasks bench: --count (1 to 1,000,000), --rounds and --concurrency must be at least 1.");
                return 1;
            }
            var benchmark = new EngineBenchmark(parse.GetValue(redis)!, parse.GetValue(database), c, Console.Error);
            return await RunEngineAsync(benchmark, BenchSettings.Select(parse.GetValue(settings)!), BenchWorkload.Select(parse.GetValue(workload)!),
                n, r, c, parse.GetValue(warmup), parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    /// <summary>The enqueue workload: <c>POST /api/tasks</c> one at a time, then at <paramref name="rate"/> for <paramref name="seconds"/>.</summary>
    private static async Task<int> RunEnqueueAsync(string redis, int samples, int rate, int seconds, bool json, CancellationToken cancellationToken)
    {
        if (samples < 1 || rate < 1 || seconds < 1 || rate * (long)seconds > 1_000_000)
        {
            await Console.Error.WriteLineAsync("afirgen-tasks bench: --latency-samples, --enqueue-rate and --enqueue-seconds must be at least 1, and rate × seconds at most 1,000,000.");
            return 1;
        }
        var (single, load) = await new EnqueueBenchmark(redis, Console.Error).RunAsync(samples, rate, TimeSpan.FromSeconds(seconds), cancellationToken);
        Console.WriteLine($"POST /api/tasks on a local host (embedded broker, the no-op task run too), {Environment.ProcessorCount} cores; latency from send to answer");
        Console.WriteLine($"{"load",-34} {"requests",8} {"p50 ms",9} {"p99 ms",9} {"max ms",9} {"host µs/req",12} {"failed",7}");
        Console.WriteLine(EnqueueBenchmark.Describe("one at a time", single));
        Console.WriteLine(EnqueueBenchmark.Describe(string.Create(CultureInfo.InvariantCulture, $"{rate}/s for {seconds} s (sent {load.AchievedPerSecond:0}/s)"), load));
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["system"] = "afirgen-tasks local host, POST /api/tasks",
                ["single"] = EnqueueBenchmark.ToJson(single),
                ["sustained"] = EnqueueBenchmark.ToJson(load),
                ["rate"] = rate,
                ["seconds"] = seconds,
            }));
        }
        return single.Failed + load.Failed == 0 ? 0 : 1;
    }

    /// <summary>The engine's workloads on the embedded broker, <paramref name="n"/> tasks × <paramref name="r"/> rounds each, printed as a table (and JSON).</summary>
    private static async Task<int> RunEngineAsync(EngineBenchmark benchmark, IReadOnlyList<BenchSettings> settings, IReadOnlyList<BenchWorkload> workloads,
        int n, int r, int c, int warmup, bool json, CancellationToken cancellationToken)
    {
        var figures = await benchmark.RunAsync(settings, workloads, n, r, warmup, cancellationToken);

        Console.WriteLine($"afirgen-tasks engine, {n} tasks x {r} rounds (median), concurrency {c}, {Environment.ProcessorCount} cores");
        Console.WriteLine("settings: celery = our engine doing the Celery worker's per-task work (no STARTED, no extended result, no task events), not Celery; afirgen = AFIRGen's settings");
        Console.WriteLine($"{"settings",-9} {"workload",-10} {"tasks/s",10} {"p50 ms",10} {"p99 ms",10} {"engine CPU µs/task",19} {"process CPU µs/task",20}");
        foreach (var f in figures)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Settings,-9} {f.Workload,-10} {f.TasksPerSecond,10:0} {f.P50Ms,10:0.0} {f.P99Ms,10:0.0} {f.CpuMicrosecondsPerTask,19:0.0} {f.ProcessCpuMicrosecondsPerTask,20:0.0}"));
        }
        if (json)
        {
            var result = new Dictionary<string, object>
            {
                ["system"] = "afirgen-tasks engine",
                ["count"] = n,
                ["rounds"] = r,
                ["concurrency"] = c,
                // Per settings, per workload: {"settings": {"celery": {"workloads": {"noop": {...}}}, "afirgen": ...}}.
                ["settings"] = figures.GroupBy(f => f.Settings).ToDictionary(g => g.Key, g => new Dictionary<string, object>
                {
                    ["workloads"] = g.ToDictionary(f => f.Workload, f => new Dictionary<string, double>
                    {
                        ["tasks_per_s"] = Math.Round(f.TasksPerSecond, 1),
                        ["p50_ms"] = Math.Round(f.P50Ms, 2),
                        ["p99_ms"] = Math.Round(f.P99Ms, 2),
                        ["cpu_us_per_task"] = Math.Round(f.CpuMicrosecondsPerTask, 2),
                        ["process_cpu_us_per_task"] = Math.Round(f.ProcessCpuMicrosecondsPerTask, 2),
                    }),
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(result));
        }
        return 0;
    }
}
