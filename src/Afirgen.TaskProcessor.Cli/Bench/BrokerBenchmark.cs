using System.Diagnostics;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary>
/// <c>afirgen-tasks bench --broker redis://…</c>: Celery's workers against ours on Celery's Redis broker. Both
/// must be fed by the same Celery producer and timed by the same code, so the run is driven by the repository's
/// <c>tools/celery/redis_broker_bench.py</c> (Debian's Python with Celery), which starts a Celery worker and then
/// this very program as <c>run --broker</c>; this command finds that script, hands it its options and passes its
/// output through. One implementation, which <c>scripts/benchmark-redis-broker.sh</c> and the Celery self-test call
/// through here too.
/// </summary>
internal static class BrokerBenchmark
{
    private const string Python = "/usr/bin/python3";
    private static readonly string ScriptPath = Path.Combine("tools", "celery", "redis_broker_bench.py");

    /// <summary>The options the script takes, only those given on our command line (the script has its own defaults).</summary>
    public sealed record Options(int? OursCount, int? CeleryCount, int? Rounds, int? Starts, int? Warmup, string? Workload, int? Concurrency, int? LatencySamples, int? LatencyWarmupSeconds, string? Settings, bool Json);

    public static async Task<int> RunAsync(string brokerUrl, Options options, CancellationToken cancellationToken)
    {
        if (!brokerUrl.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync("afirgen-tasks bench: --broker takes a Redis URL, e.g. redis://127.0.0.1:6379 (databases 1, 2 and 4 of that server are used and flushed).");
            return 2;
        }
        if (FindScript() is not { } script)
        {
            await Console.Error.WriteLineAsync($"afirgen-tasks bench: --broker is driven by the repository's {ScriptPath}, which is not above {AppContext.BaseDirectory}; run it from a clone of the repository (scripts/benchmark-redis-broker.sh does).");
            return 2;
        }
        if (!File.Exists(Python))
        {
            await Console.Error.WriteLineAsync($"afirgen-tasks bench: --broker needs Debian's {Python} with Celery (scripts/install-prerequisites.sh, or apt-get install -y python3-celery python3-redis).");
            return 2;
        }

        var start = new ProcessStartInfo(Python) { UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--redis");
        start.ArgumentList.Add(brokerUrl);
        start.ArgumentList.Add("--afirgen-tasks");
        start.ArgumentList.Add(typeof(BrokerBenchmark).Assembly.Location);
        Add(start, "--ours-count", options.OursCount);
        Add(start, "--celery-count", options.CeleryCount);
        Add(start, "--rounds", options.Rounds);
        Add(start, "--starts", options.Starts);
        Add(start, "--warmup", options.Warmup);
        Add(start, "--concurrency", options.Concurrency);
        Add(start, "--latency-samples", options.LatencySamples);
        Add(start, "--latency-warmup-seconds", options.LatencyWarmupSeconds);
        if (options.Workload is { } workload)
        {
            start.ArgumentList.Add("--workload");
            start.ArgumentList.Add(workload);
        }
        if (options.Settings is { } settings)
        {
            start.ArgumentList.Add("--settings");
            start.ArgumentList.Add(settings);
        }
        if (options.Json)
        {
            start.ArgumentList.Add("--json");
        }
        // Output is inherited, so the script's progress and table reach the terminal as it prints them.
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the script stops its workers when it is interrupted; do not leave it running.
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }

    private static void Add(ProcessStartInfo start, string name, int? value)
    {
        if (value is { } v)
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string? FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, ScriptPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
