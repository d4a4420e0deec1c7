using System.Diagnostics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// <c>inspect</c> over HTTP and from the real <c>afirgen-tasks</c> binary, answering for both instances
/// sharing the Redis, whichever one is asked.
/// </summary>
public sealed class InspectTests(TwoWorkersFixture workers) : IClassFixture<TwoWorkersFixture>
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "afirgen-tasks.dll");

    [Fact]
    public async Task Active_OnA_ShowsATaskRunningOnB()
    {
        var id = await workers.B.EnqueueAsync(new { name = "diagnostics.sleep", kwargs = new { seconds = 3 }, queue = "reports" });
        var task = await Eventually.ValueAsync(async () =>
        {
            var active = await workers.A.GetJsonAsync("/api/inspect/active");
            return active[workers.B.Name]?.AsArray().FirstOrDefault(t => t!["id"]!.GetValue<string>() == id);
        }, "the sleeping task in B's active list, read through A");
        Assert.Equal("diagnostics.sleep", task!["name"]!.GetValue<string>());
        Assert.Equal("reports", task["queue"]!.GetValue<string>());
        Assert.Equal(5, task["priority"]!.GetValue<int>());
        Assert.Equal(1, task["deliveryCount"]!.GetValue<int>());
        Assert.Equal("active", task["state"]!.GetValue<string>());
        Assert.Null(task["args"]);

        await workers.B.WaitForStateAsync(id, "SUCCESS");
        await Eventually.TrueAsync(async () =>
            (await workers.A.GetJsonAsync("/api/inspect/active"))[workers.B.Name]!.AsArray().All(t => t!["id"]!.GetValue<string>() != id),
            "the finished task leaving the active list");
    }

    [Fact]
    public async Task Registered_Stats_ActiveQueues_Scheduled_Reserved_AnswerForEveryWorker()
    {
        var registered = await workers.A.GetJsonAsync("/api/inspect/registered");
        var names = registered[workers.B.Name]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToArray();
        Assert.Contains("diagnostics.fail_n_times", names);
        Assert.Equal(3, registered[workers.A.Name]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "diagnostics.fail_n_times")!["maxRetries"]!.GetValue<int>());

        var id = await workers.A.EnqueueAsync(new { name = "diagnostics.echo", queue = "email" });
        await workers.A.WaitForStateAsync(id, "SUCCESS");
        var stats = await Eventually.ValueAsync(async () =>
        {
            var s = await workers.B.GetJsonAsync("/api/inspect/stats");
            return s[workers.A.Name]?["counters"]?["diagnostics.echo"]?["succeeded"]?.GetValue<long>() >= 1 ? s : null;
        }, "A's counters in stats, read through B");
        Assert.Equal(4, stats[workers.A.Name]!["concurrency"]!.GetValue<int>());
        Assert.Equal(16, stats[workers.A.Name]!["prefetchCount"]!.GetValue<int>());

        var queues = (await workers.A.GetJsonAsync("/api/inspect/active_queues")).AsArray();
        var email = queues.Single(q => q!["name"]!.GetValue<string>() == "email")!;
        Assert.Equal(3, email["defaultPriority"]!.GetValue<int>());
        Assert.Contains(workers.A.Name, email["consumers"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Contains(workers.B.Name, email["consumers"]!.AsArray().Select(c => c!.GetValue<string>()));
        foreach (var key in new[] { "waiting", "scheduled", "inFlight", "deadLettered" })
        {
            Assert.NotNull(email[key]);
        }

        var later = await workers.A.EnqueueAsync(new { name = "diagnostics.echo", queue = "cleanup", countdown = 3600 });
        var scheduled = await Eventually.ValueAsync(async () =>
        {
            var s = await workers.A.GetJsonAsync("/api/inspect/scheduled");
            var cleanup = s.AsArray().Single(q => q!["queue"]!.GetValue<string>() == "cleanup")!;
            return cleanup["tasks"]!.AsArray().Any(t => t!["id"]!.GetValue<string>() == later) ? cleanup : null;
        }, "the countdown task in inspect scheduled");
        Assert.True(scheduled["scheduled"]!.GetValue<long>() >= 1);

        var reserved = await workers.A.GetJsonAsync("/api/inspect/reserved");
        Assert.NotNull(reserved[workers.A.Name]);

        using var unknown = await workers.A.Http.GetAsync("/api/inspect/everything");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Cli_Inspect_PrintsATable_AndJsonForScripts()
    {
        var (code, stdout, stderr) = await ExecAsync("inspect", "active_queues", "--api", workers.A.BaseUrl);
        Assert.True(code == 0, stderr);
        Assert.Contains("queue", stdout);
        Assert.Contains("dead-lettered", stdout);
        Assert.Matches(@"(?m)^email\s+3\s", stdout);
        Assert.Contains(workers.B.Name, stdout);

        (code, stdout, stderr) = await ExecAsync("inspect", "stats", "--json", "--api", workers.A.BaseUrl);
        Assert.True(code == 0, stderr);
        var stats = JsonNode.Parse(stdout)!;
        Assert.NotNull(stats[workers.A.Name]);
        Assert.NotNull(stats[workers.B.Name]);

        (code, stdout, stderr) = await ExecAsync("inspect", "registered", "--api", workers.B.BaseUrl);
        Assert.True(code == 0, stderr);
        Assert.Contains($"-> {workers.A.Name}", stdout);
        Assert.Contains("diagnostics.fail_until", stdout);

        (code, _, stderr) = await ExecAsync("inspect", "active", "--api", $"http://127.0.0.1:{RedisServer.FreePort()}");
        Assert.Equal(2, code);
        Assert.Contains("Is `afirgen-tasks run` running?", stderr);
    }

    internal static async Task<(int Code, string StdOut, string StdErr)> ExecAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await stdout, await stderr);
    }
}
