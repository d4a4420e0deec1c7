using System.Diagnostics;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// A worker process killed mid-task: it leaves the worker list within one heartbeat expiry, and its
/// running task shows as lost, awaiting redelivery.
/// </summary>
public sealed class WorkerLossTests(TwoWorkersFixture workers) : IClassFixture<TwoWorkersFixture>
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "afirgen-tasks.dll");

    [Fact]
    public async Task KilledWorker_Disappears_AndItsTaskShowsAsLost()
    {
        const string name = "worker-doomed@test";
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (key, value) in TwoWorkersFixture.Settings(name, url, workers.Redis.Configuration))
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        info.ArgumentList.Add(Cli);
        info.ArgumentList.Add("run");
        using var doomed = Process.Start(info)!;
        doomed.OutputDataReceived += (_, _) => { };
        doomed.ErrorDataReceived += (_, _) => { };
        doomed.BeginOutputReadLine();
        doomed.BeginErrorReadLine();
        try
        {
            var worker = new Worker(name, url, new HttpClient { BaseAddress = new Uri(url) });
            await Eventually.TrueAsync(async () =>
            {
                try { return (await worker.Http.GetAsync("/api/queues")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, "the doomed worker's API", 30);
            var id = await worker.EnqueueAsync(new { name = "diagnostics.sleep", kwargs = new { seconds = 600 } });
            await Eventually.TrueAsync(async () =>
                (await workers.A.GetJsonAsync("/api/inspect/active"))[name]?.AsArray().Any(t => t!["id"]!.GetValue<string>() == id) == true,
                "the long task running on the doomed worker");

            doomed.Kill(entireProcessTree: true);
            await doomed.WaitForExitAsync();
            var killedAt = DateTime.UtcNow;

            await Eventually.TrueAsync(async () => !(await workers.A.GetJsonAsync("/api/workers")).AsObject().ContainsKey(name),
                "the killed worker leaving /api/workers");
            // Heartbeat expiry 3 s, checked every poll: gone within the expiry plus one heartbeat interval and margin.
            Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(10), "the dead worker stayed listed well past its heartbeat expiry");

            Assert.False((await workers.A.GetJsonAsync("/api/workers?status=true"))[name]!.GetValue<bool>());
            var active = await workers.A.GetJsonAsync("/api/inspect/active");
            var lost = active[name]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == id)!;
            Assert.Equal("lost, awaiting redelivery", lost["state"]!.GetValue<string>());
            Assert.NotNull(lost["redeliveryBy"]);
            var overview = await workers.B.GetJsonAsync("/api/monitor/overview");
            Assert.Contains(overview["lost"]!.AsArray(), l => l!["task"]!["id"]!.GetValue<string>() == id);
        }
        finally
        {
            if (!doomed.HasExited) doomed.Kill(entireProcessTree: true);
        }
    }
}
