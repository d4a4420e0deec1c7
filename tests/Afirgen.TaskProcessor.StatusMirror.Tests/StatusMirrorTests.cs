using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.StatusMirror.Tests;

/// <summary>
/// AFIRGen's <c>background_tasks</c>, in a real MariaDB with AFIRGen's schema, kept as its Celery workers
/// kept it: every transition, never backwards, never created, repaired after an outage.
/// </summary>
[Collection(MirrorCollectionDefinition.Name)]
public sealed class StatusMirrorTests(RedisFixture redis, MariaDbFixture mariaDb)
{
    private Task<MirrorHarness> StartAsync(Action<IServiceCollection>? tasks = null, Dictionary<string, string?>? settings = null) =>
        MirrorHarness.StartAsync(redis, mariaDb, tasks, settings);

    private static TaskRequest Request(string task, JsonObject? kwargs = null) => new() { TaskName = task, Kwargs = kwargs ?? [] };

    [Fact]
    public async Task ARowMovesToRunning_ThenToCompletedWithTheResult()
    {
        var release = new TaskCompletionSource();
        await using var h = await StartAsync(s => s.AddTask("afirgen_tasks.reports.generate_pdf", async ctx =>
        {
            await release.Task;
            return new JsonObject { ["status"] = "success", ["fir_id"] = ctx.Get<string>("fir_id"), ["file_path"] = "reports/FIR-1.pdf" };
        }, o => o.Parameters = [TaskParameter.RequiredParameter("fir_id")]));
        var published = await h.Engine.Publisher.PublishAsync(Request("afirgen_tasks.reports.generate_pdf", new JsonObject { ["fir_id"] = "FIR-1" }), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, "afirgen_tasks.reports.generate_pdf", new JsonObject { ["fir_id"] = "FIR-1" });

        var running = h.Engine.RunNextAsync("reports");
        var started = await h.WaitForRowAsync(published.TaskId, r => r.Status == "running", "running");
        Assert.NotNull(started.StartedAt);
        Assert.Null(started.CompletedAt);

        release.SetResult();
        await running;
        var done = await h.WaitForRowAsync(published.TaskId, r => r.Status == "completed", "completed");
        Assert.Equal("reports/FIR-1.pdf", done.Result!["file_path"]!.GetValue<string>());
        Assert.Equal("success", done.Result["status"]!.GetValue<string>());
        Assert.NotNull(done.CompletedAt);
    }

    [Fact]
    public async Task ANonDictResult_IsStoredAsPythonWouldHaveStoredIt()
    {
        await using var h = await StartAsync(s => s.AddTask("test.returns_text", _ => ValueTask.FromResult<JsonNode?>("done")));
        var published = await h.Engine.Publisher.PublishAsync(Request("test.returns_text"), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, "test.returns_text");
        await h.Engine.RunNextAsync();

        var row = await h.WaitForRowAsync(published.TaskId, r => r.Status == "completed", "completed");
        Assert.Equal("""{"result":"done"}""", row.Result!.ToJsonString());
    }

    [Fact]
    public async Task ARetryThenSuccess_ShowsPendingWithTheRetry_ThenCompleted()
    {
        await using var h = await StartAsync();
        var published = await h.Engine.Publisher.PublishAsync(Request(DiagnosticTasks.FailTimes, new JsonObject { ["times"] = 1 }), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, DiagnosticTasks.FailTimes);

        await h.Engine.RunNextAsync();
        var retrying = await h.WaitForRowAsync(published.TaskId, r => r.RetryCount == 1, "pending with retry_count 1");
        Assert.Equal("pending", retrying.Status);
        Assert.Equal("Retry 1: Planned failure 1 of 1.", retrying.ErrorMessage);

        h.Engine.Time.Advance(TimeSpan.FromSeconds(2));
        await h.Engine.RunNextAsync();
        var done = await h.WaitForRowAsync(published.TaskId, r => r.Status == "completed", "completed");
        Assert.Equal(1, done.Result!["attempts"]!.GetValue<int>() - 1);
        Assert.Equal(1, done.RetryCount);
    }

    [Fact]
    public async Task AFinalFailure_ShowsFailedAfterNRetries()
    {
        await using var h = await StartAsync();
        var published = await h.Engine.Publisher.PublishAsync(Request(DiagnosticTasks.FailTimes, new JsonObject { ["times"] = 9 }), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, DiagnosticTasks.FailTimes);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await h.Engine.RunNextAsync();
            h.Engine.Time.Advance(TimeSpan.FromSeconds(11));
        }

        var row = await h.WaitForRowAsync(published.TaskId, r => r.Status == "failed", "failed");
        Assert.Equal("Failed after 3 retries: Planned failure 4 of 9.", row.ErrorMessage);
        Assert.Equal(3, row.RetryCount);
        Assert.NotNull(row.CompletedAt);
    }

    [Fact]
    public async Task ARevokeBeforeStart_ShowsCancelled_AndTheTaskNeverRuns()
    {
        var runs = 0;
        await using var h = await StartAsync(s => s.AddTask("test.counted", _ => { Interlocked.Increment(ref runs); return ValueTask.FromResult<JsonNode?>(null); }));
        var published = await h.Engine.Publisher.PublishAsync(Request("test.counted"), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, "test.counted");

        await h.Engine.Services.GetRequiredService<TaskRevoker>().RevokeAsync(published.TaskId, terminate: false, CancellationToken.None);
        var row = await h.WaitForRowAsync(published.TaskId, r => r.Status == "cancelled", "cancelled");
        Assert.NotNull(row.CompletedAt);

        await h.Engine.RunNextAsync();
        await h.DrainAsync();
        Assert.Equal(0, runs);
        Assert.Equal("cancelled", (await h.RowAsync(published.TaskId))!.Status);
    }

    [Fact]
    public async Task ARevokeWithTerminate_WhileRunning_ShowsCancelled()
    {
        await using var h = await StartAsync();
        var published = await h.Engine.Publisher.PublishAsync(Request(DiagnosticTasks.Sleep, new JsonObject { ["seconds"] = 600 }), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, DiagnosticTasks.Sleep);
        var running = h.Engine.RunNextAsync();
        await h.WaitForRowAsync(published.TaskId, r => r.Status == "running", "running");

        await h.Engine.Services.GetRequiredService<TaskRevoker>().RevokeAsync(published.TaskId, terminate: true, CancellationToken.None);
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        var row = await h.WaitForRowAsync(published.TaskId, r => r.Status == "cancelled", "cancelled");
        Assert.NotNull(row.CompletedAt);
        Assert.Equal(TaskStates.Revoked, (await h.Engine.ResultAsync(published.TaskId))!.Status);
    }

    [Fact]
    public async Task ARedeliveryAfterACrash_NeverMovesACompletedRowBack()
    {
        var runs = 0;
        await using var h = await StartAsync(s => s.AddTask("test.counted", _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult<JsonNode?>(new JsonObject { ["status"] = "success" });
        }));
        var published = await h.Engine.Publisher.PublishAsync(Request("test.counted"), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, "test.counted");

        // The worker stores SUCCESS and dies before the broker hears of it; the message comes back.
        await h.Engine.RunNextAsync(settlementOverride: new CrashBeforeSettling());
        await h.WaitForRowAsync(published.TaskId, r => r.Status == "completed", "completed");
        h.Engine.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var redelivered = await h.Engine.RunNextAsync();
        Assert.Equal(2, redelivered.Message.DeliveryCount);

        // A late "running" from another instance (written out of order) cannot take the row back either.
        h.Mirror.Enqueue(new MirrorUpdate(MirrorTransition.Running, published.TaskId, h.Engine.Time.GetUtcNow()));
        h.Mirror.Enqueue(new MirrorUpdate(MirrorTransition.RetryScheduled, published.TaskId, h.Engine.Time.GetUtcNow(), RetryCount: 1, ErrorMessage: "Retry 1: late"));
        await h.DrainAsync();

        Assert.Equal(1, runs);
        var row = (await h.RowAsync(published.TaskId))!;
        Assert.Equal("completed", row.Status);
        Assert.Equal(0, row.RetryCount);
        Assert.Null(row.ErrorMessage);
    }

    [Fact]
    public async Task TasksWithoutARow_AreNotMirrored()
    {
        await using var h = await StartAsync();
        await h.Engine.Publisher.PublishAsync(Request(DiagnosticTasks.Echo), CancellationToken.None);
        await h.Engine.RunNextAsync();
        await h.DrainAsync();

        Assert.Equal(0, await h.RowCountAsync());
        Assert.True(h.Metrics.Written >= 2); // running and completed were sent; they matched no row
    }

    [Fact]
    public async Task WithMySqlDown_TheTaskStillSucceeds_AndReconcileRepairsTheRow()
    {
        await using var h = await StartAsync();
        var published = await h.Engine.Publisher.PublishAsync(Request(DiagnosticTasks.Echo, new JsonObject { ["fir_id"] = "FIR-9" }), CancellationToken.None);
        await h.InsertPendingRowAsync(published.TaskId, DiagnosticTasks.Echo);

        await mariaDb.Server.StopAsync();
        try
        {
            await h.Engine.RunNextAsync();
            Assert.Equal(TaskStates.Success, (await h.Engine.ResultAsync(published.TaskId))!.Status);
            Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.Engine.StatsAsync());

            // The writer retries (on the harness's clock), then gives up and counts what it could not write.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (h.Metrics.Failed < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the mirror did not give up within 20 s (failed {h.Metrics.Failed})");
                h.Engine.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(50);
            }
        }
        finally
        {
            await mariaDb.Server.StartAgainAsync();
        }
        Assert.Equal("pending", (await h.RowAsync(published.TaskId))!.Status);

        var report = await h.Reconciler.ReconcileAsync(TimeSpan.FromDays(2), CancellationToken.None);
        Assert.True(report.Updated >= 1);
        Assert.Equal(1, report.ByResultState[TaskStates.Success]);
        var row = (await h.RowAsync(published.TaskId))!;
        Assert.Equal("completed", row.Status);
        Assert.Equal("FIR-9", row.Result!["kwargs"]!["fir_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFullQueue_DropsAndCountsUpdates_RatherThanHoldingTheTask()
    {
        await using var h = await StartAsync(settings: new() { ["TaskProcessor:StatusMirror:Capacity"] = "1" });
        await mariaDb.Server.StopAsync();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                h.Mirror.OnRevokeRequested($"no-such-task-{i}", null, terminate: false);
            }
            Assert.True(h.Metrics.Dropped >= 45, $"only {h.Metrics.Dropped} of 50 updates were dropped with room for one");
        }
        finally
        {
            await mariaDb.Server.StartAgainAsync();
        }
    }
}
