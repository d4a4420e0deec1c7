using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Afirgen.TaskProcessor.Cli.Bench;

/// <summary>
/// <c>afirgen-tasks bench --workload enqueue</c>: what <c>POST /api/tasks</c> costs on the local host. Starts this
/// program as <c>run --broker memory</c> on a free loopback port (a real host: Kestrel, the API's checks, the publisher,
/// the embedded broker, and the engine running the no-op tasks it is sent), then measures from a client in this process:
/// one request at a time (the single-request latency, and the host's CPU per request), then a fixed rate for a fixed
/// time, open loop (a request goes out every 1/rate s whether or not the earlier ones have answered, so a stall in the
/// host shows as latency rather than as a slower client). Latency runs from a request's send to its answer; how late
/// the client's schedule ran (it sleeps in 1 ms steps) is reported beside it.
/// </summary>
internal sealed class EnqueueBenchmark(string redisConfiguration, TextWriter log)
{
    private const string TaskName = "diagnostics.noop";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes($$$"""{"name":"{{{TaskName}}}","kwargs":{}}""");

    public sealed record Figures(int Requests, double P50Ms, double P99Ms, double MaxMs, double HostCpuMicrosecondsPerRequest, int Failed, double AchievedPerSecond, double ScheduleLagMs = 0);

    public async Task<(Figures Single, Figures Load)> RunAsync(int singleRequests, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var port = FreePort();
        using var host = StartHost(port);
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitUntilServingAsync(http, host, cancellationToken);

            // Untimed: the host's and this client's code paths compiled and their connections open.
            await log.WriteLineAsync("enqueue: warming up (2,000 requests, untimed)");
            await SequentialAsync(http, host, 2_000, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

            var single = await SequentialAsync(http, host, singleRequests, cancellationToken);
            await log.WriteLineAsync(FormattableString.Invariant($"enqueue: one at a time, {single.Requests} requests: p50 {single.P50Ms:0.000} ms, p99 {single.P99Ms:0.000} ms, host CPU {single.HostCpuMicrosecondsPerRequest:0} µs/request (the task's run included)"));
            var load = await OpenLoopAsync(http, host, rate, duration, cancellationToken);
            await log.WriteLineAsync(FormattableString.Invariant($"enqueue: {rate}/s for {duration.TotalSeconds:0} s: {load.AchievedPerSecond:0}/s sent (at most {load.ScheduleLagMs:0.0} ms behind schedule), p50 {load.P50Ms:0.000} ms, p99 {load.P99Ms:0.000} ms, max {load.MaxMs:0.0} ms, {load.Failed} failed, host CPU {load.HostCpuMicrosecondsPerRequest:0} µs/request"));
            return (single, load);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private Process StartHost(int port)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(EnqueueBenchmark).Assembly.Location, "run", "--broker", "memory", "--redis", redisConfiguration, "--urls", $"http://127.0.0.1:{port}", "--hostname", $"enqueue-bench{Environment.ProcessId}@localhost" })
        {
            start.ArgumentList.Add(argument);
        }
        // No log line per request or task: what is measured is the API, not the console.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["TaskProcessor__Schedule__Enabled"] = "false";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The host did not start.");
        // Drained, or a full pipe would block the host.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static async Task WaitUntilServingAsync(HttpClient http, Process host, CancellationToken cancellationToken)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(200, cancellationToken))
        {
            if (host.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {host.ExitCode} before its API answered.");
            }
            try
            {
                using var response = await http.GetAsync("api/queues", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
        }
        throw new TimeoutException("The host's API did not answer within 60 s.");
    }

    private static async Task<Figures> SequentialAsync(HttpClient http, Process host, int count, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var failed = 0;
        var cpu = HostCpu(host);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            failed += await PostAsync(http, cancellationToken) ? 0 : 1;
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Summarise(latencies, failed, HostCpu(host) - cpu, count);
    }

    private static async Task<Figures> OpenLoopAsync(HttpClient http, Process host, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var requests = new Task[count];
        var failed = 0;
        var interval = Stopwatch.Frequency / (double)rate;
        var maxLag = 0L;
        var cpu = HostCpu(host);
        var origin = Stopwatch.GetTimestamp();
        // One thread keeps the schedule: every request due by now goes out, then it sleeps a millisecond. No spinning:
        // the client shares the machine's cores with the host it measures.
        await Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < count;)
            {
                var now = Stopwatch.GetTimestamp();
                for (; i < count && origin + (long)(i * interval) <= now; i++)
                {
                    maxLag = Math.Max(maxLag, now - (origin + (long)(i * interval)));
                    requests[i] = TimedPostAsync(http, latencies, i, () => Interlocked.Increment(ref failed), cancellationToken);
                }
                Thread.Sleep(1);
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(requests);
        var elapsed = Stopwatch.GetElapsedTime(origin);
        return Summarise(latencies, failed, HostCpu(host) - cpu, count) with
        {
            AchievedPerSecond = count / elapsed.TotalSeconds,
            ScheduleLagMs = maxLag * 1000.0 / Stopwatch.Frequency,
        };
    }

    private static async Task TimedPostAsync(HttpClient http, double[] latencies, int index, Action onFailure, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        if (!await PostAsync(http, cancellationToken))
        {
            onFailure();
        }
        latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<bool> PostAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(Body);
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync("api/tasks", content, cancellationToken);
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    private static Figures Summarise(double[] latencies, int failed, TimeSpan hostCpu, int count)
    {
        Array.Sort(latencies);
        return new Figures(count, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1], hostCpu.TotalMicroseconds / count, failed, 0);
    }

    private static TimeSpan HostCpu(Process host)
    {
        host.Refresh();
        return host.TotalProcessorTime;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The figures as the bench's JSON carries them.</summary>
    public static Dictionary<string, object> ToJson(Figures f) => new()
    {
        ["requests"] = f.Requests,
        ["p50_ms"] = Math.Round(f.P50Ms, 3),
        ["p99_ms"] = Math.Round(f.P99Ms, 3),
        ["max_ms"] = Math.Round(f.MaxMs, 3),
        ["host_cpu_us_per_request"] = Math.Round(f.HostCpuMicrosecondsPerRequest, 1),
        ["failed"] = f.Failed,
        ["achieved_per_s"] = Math.Round(f.AchievedPerSecond, 1),
        ["schedule_lag_ms"] = Math.Round(f.ScheduleLagMs, 2),
    };

    /// <summary>One line for a person.</summary>
    public static string Describe(string what, Figures f) => string.Create(CultureInfo.InvariantCulture,
        $"{what,-34} {f.Requests,8} {f.P50Ms,9:0.000} {f.P99Ms,9:0.000} {f.MaxMs,9:0.0} {f.HostCpuMicrosecondsPerRequest,12:0} {f.Failed,7}");
}
