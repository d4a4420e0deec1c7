using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// Dead letters end to end: a task fails for good and is dead-lettered; it shows with its reason; once
/// its cause is gone, a replay runs it again (retries reset, same task id) and it succeeds; purge.
/// </summary>
public sealed class DeadLetterReplayTests(TwoWorkersFixture workers) : IClassFixture<TwoWorkersFixture>
{
    [Fact]
    public async Task FailedTask_IsListed_AndReplayRunsItAgain_ToSuccess()
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        var id = await workers.A.EnqueueAsync(new { name = "diagnostics.fail_until", kwargs = new { until = until.ToString("O") }, queue = "analytics" });
        await workers.A.WaitForStateAsync(id, "FAILURE");

        var dead = await Eventually.ValueAsync(async () =>
            (await workers.A.GetJsonAsync("/api/dead-letters?queue=analytics")).AsArray().FirstOrDefault(d => d!["taskId"]!.GetValue<string>() == id),
            "the failed task in the dead-letter list");
        Assert.Equal("TaskFailed", dead!["reason"]!.GetValue<string>());
        Assert.Equal("diagnostics.fail_until", dead["taskName"]!.GetValue<string>());
        Assert.Equal(1, dead["deliveryCount"]!.GetValue<int>());
        Assert.Contains("unavailable until", dead["description"]!.GetValue<string>());
        Assert.Null(dead["body"]);
        // The exception named as the stored result names it (the Python-facing type), not the .NET class that raised it.
        var failed = await workers.A.GetJsonAsync($"/api/tasks/{id}");
        var excType = failed["result"]!["exc_type"]!.GetValue<string>();
        Assert.Equal("ValueError", excType);
        Assert.StartsWith(excType + ": The downstream is unavailable until", dead["description"]!.GetValue<string>());
        // Read once the index has the failure (its reason is the index's); before that, info falls back to the result's repr.
        var indexed = await Eventually.ValueAsync(async () =>
            (await workers.A.GetJsonAsync($"/api/task/info/{id}")) is { } i && i["reason"] is not null ? i["exception"]?.GetValue<string>() : null,
            "the failure in the task index");
        Assert.StartsWith(excType + ": ", indexed);

        // The CLI lists it too.
        var (code, stdout, stderr) = await InspectTests.ExecAsync("dead-letters", "list", "--queue", "analytics", "--api", workers.A.BaseUrl);
        Assert.True(code == 0, stderr);
        Assert.Contains(id, stdout);
        Assert.Contains("TaskFailed", stdout);

        // The downstream is back: replay that one message.
        while (DateTimeOffset.UtcNow <= until) await Task.Delay(100);
        var (status, replayed) = await workers.A.PostJsonAsync("/api/dead-letters/replay", new { queue = "analytics", messageIds = new[] { dead["messageId"]!.GetValue<string>() } });
        Assert.Equal(200, status);
        Assert.Equal(1, replayed!["replayed"]!.GetValue<int>());

        var done = await workers.A.WaitForStateAsync(id, "SUCCESS");
        Assert.Equal(until.ToString("O"), done["result"]!["until"]!.GetValue<string>());
        Assert.DoesNotContain((await workers.A.GetJsonAsync("/api/dead-letters?queue=analytics")).AsArray(), d => d!["taskId"]!.GetValue<string>() == id);
        var info = await Eventually.ValueAsync(async () =>
        {
            var i = await workers.B.GetJsonAsync($"/api/task/info/{id}");
            return i["state"]!.GetValue<string>() == "SUCCESS" ? i : null;
        }, "the replayed task's SUCCESS in the index");
        Assert.Equal(0, info["retries"]!.GetValue<int>());
    }

    [Fact]
    public async Task Purge_WantsAFilterOrAll_ThenDeletes()
    {
        var id = await workers.B.EnqueueAsync(new { name = "diagnostics.fail", queue = "cleanup" });
        await workers.B.WaitForStateAsync(id, "FAILURE");
        await Eventually.TrueAsync(async () => (await workers.B.GetJsonAsync("/api/dead-letters?queue=cleanup")).AsArray().Count > 0, "a dead letter on cleanup");

        var (code, _, stderr) = await InspectTests.ExecAsync("dead-letters", "purge", "--queue", "cleanup", "--api", workers.B.BaseUrl);
        Assert.Equal(1, code);
        Assert.Contains("\"all\": true", stderr);

        string stdout;
        (code, stdout, stderr) = await InspectTests.ExecAsync("dead-letters", "purge", "--queue", "cleanup", "--task-id", id, "--api", workers.B.BaseUrl);
        Assert.True(code == 0, stderr);
        Assert.Contains("Purged 1 dead-lettered message(s).", stdout);
        Assert.Empty((await workers.B.GetJsonAsync("/api/dead-letters?queue=cleanup")).AsArray());
    }
}
