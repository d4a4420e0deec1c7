using Afirgen.TaskProcessor.Engine.Broker;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis.Revocation;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Engine.Tests.Revocation;

/// <summary>Celery's revoke without remote control: before a run, for scheduled messages, and terminate while running.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RevocationTests(RedisFixture redis)
{
    private readonly RevokeRecorder _recorder = new();

    private EngineHarness Harness(Action<IServiceCollection>? tasks = null) =>
        EngineHarness.Create(redis.Server.Configuration, s =>
        {
            s.AddSingleton<ITaskObserver>(_recorder);
            tasks?.Invoke(s);
        });

    private static TaskRevoker Revoker(EngineHarness h) => h.Services.GetRequiredService<TaskRevoker>();

    [Fact]
    public async Task ARevokedQueuedTask_ShowsRevokedAtOnce_AndNeverRuns()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.counted", _ => { Interlocked.Increment(ref runs); return ValueTask.FromResult<JsonNode?>(null); }));
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = "test.counted" }, CancellationToken.None);

        var outcome = await Revoker(h).RevokeAsync(published.TaskId, terminate: false, CancellationToken.None);
        Assert.Null(outcome.PreviousState);
        Assert.False(outcome.AlreadyFinished);
        Assert.Equal(TaskStates.Revoked, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.True(await h.Results.IsRevokedAsync(published.TaskId, CancellationToken.None));

        await h.RunNextAsync();
        Assert.Equal(0, runs);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
        Assert.Contains(_recorder.Events, e => e == $"requested {published.TaskId} prev=- terminate=False");
    }

    [Fact]
    public async Task ARevokedTaskWhoseResultExpired_IsStillDroppedWhenItsRetryComesDue()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.flaky", _ =>
        {
            Interlocked.Increment(ref runs);
            throw new TimeoutException("upstream slow");
        }, o => o.Retry = new RetryPolicy { MaxRetries = 3, InitialDelay = TimeSpan.FromSeconds(1) }));
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = "test.flaky" }, CancellationToken.None);
        await h.RunNextAsync();
        Assert.Equal(1, (await h.StatsAsync()).Scheduled);

        var outcome = await Revoker(h).RevokeAsync(published.TaskId, terminate: false, CancellationToken.None);
        Assert.Equal(TaskStates.Retry, outcome.PreviousState);
        // The result may be gone by the time the retry is due (AFIRGen keeps results one hour): the
        // revocation alone must stop the run.
        var db = (await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration)).GetDatabase();
        await db.KeyDeleteAsync("celery-task-meta-" + published.TaskId);

        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.RunNextAsync();
        Assert.Equal(1, runs);
        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Revoked, result!.Status);
        Assert.Equal("TaskRevokedError", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
        Assert.Contains(_recorder.Events, e => e == $"revoked {published.TaskId} revoked");
    }

    [Fact]
    public async Task TerminateCancelsTheRunningTask_WhichEndsRevokedAndIsNotDeadLettered()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Sleep, Kwargs = new JsonObject { ["seconds"] = 600 } }, CancellationToken.None);
        var running = h.RunNextAsync();
        await WaitForAsync(async () => (await h.ResultAsync(published.TaskId))?.Status == TaskStates.Started);

        var outcome = await Revoker(h).RevokeAsync(published.TaskId, terminate: true, CancellationToken.None);
        Assert.Equal(TaskStates.Started, outcome.PreviousState);
        Assert.False(outcome.StillRunning);
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Revoked, result!.Status);
        Assert.Equal("terminated", result.Result!["exc_message"]![0]!.GetValue<string>());
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
        Assert.Equal(["started", "revoked terminated", "finished"],
            _recorder.Events.Where(e => !e.StartsWith("requested")).Select(e => e.Replace(" " + published.TaskId, "")));
    }

    [Fact]
    public async Task WithoutTerminate_ARunningTaskFinishes_AndItsOutcomeStands()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Sleep, Kwargs = new JsonObject { ["seconds"] = 5 } }, CancellationToken.None);
        var running = h.RunNextAsync();
        await WaitForAsync(async () => (await h.ResultAsync(published.TaskId))?.Status == TaskStates.Started);

        var outcome = await Revoker(h).RevokeAsync(published.TaskId, terminate: false, CancellationToken.None);
        Assert.True(outcome.StillRunning);
        Assert.Equal(TaskStates.Started, (await h.ResultAsync(published.TaskId))!.Status);

        await WaitForAsync(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return Task.FromResult(running.IsCompleted); });
        await running;
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
    }

    [Fact]
    public async Task RevokingAFinishedTask_ChangesNothing()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.RunNextAsync();

        var outcome = await Revoker(h).RevokeAsync(published.TaskId, terminate: true, CancellationToken.None);
        Assert.True(outcome.AlreadyFinished);
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
    }

    [Fact]
    public async Task TerminateReachesTheInstanceThatRunsTheTask_ThroughRedis()
    {
        // Two instances sharing one Redis: the task runs on "worker", the revoke comes in on "api".
        await using var worker = Harness();
        await using var api = Harness();
        var listener = worker.Services.GetServices<IHostedService>().OfType<RedisRevocationBroadcast>().Single();
        await listener.StartAsync(CancellationToken.None);
        try
        {
            var published = await worker.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Sleep, Kwargs = new JsonObject { ["seconds"] = 600 } }, CancellationToken.None);
            var running = worker.RunNextAsync();
            await WaitForAsync(async () => (await worker.ResultAsync(published.TaskId))?.Status == TaskStates.Started);
            Assert.Equal(0, api.Services.GetRequiredService<RunningTasks>().Count);

            await Revoker(api).RevokeAsync(published.TaskId, terminate: true, CancellationToken.None);
            await running.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(TaskStates.Revoked, (await worker.ResultAsync(published.TaskId))!.Status);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    // track_started off (Celery's default), one slot: a task waiting for the slot has been checked against the store already.
    private static Dictionary<string, string?> ChecksAhead => new()
    {
        [$"{ResultOptions.Section}:TrackStarted"] = "false",
        ["TaskProcessor:Worker:Concurrency"] = "1",
    };

    /// <summary>Holds the one slot with a task that runs until released, and sends a test.counted task to wait for it.</summary>
    private static async Task<(string Target, Task Holding, Task Waiting)> HoldTheSlotAsync(EngineHarness worker)
    {
        await worker.Publisher.PublishAsync(new TaskRequest { TaskName = "test.hold" }, CancellationToken.None);
        var target = await worker.Publisher.PublishAsync(new TaskRequest { TaskName = "test.counted" }, CancellationToken.None);
        var running = worker.Services.GetRequiredService<RunningTasks>();
        var holding = worker.RunNextAsync();
        await WaitForAsync(() => Task.FromResult(running.Count == 1));
        var waiting = worker.RunNextAsync();
        await WaitForAsync(() => Task.FromResult(running.WaitingCount == 1));
        // Its check is one round trip to the local Redis: by now it has answered "go".
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        return (target.TaskId, holding, waiting);
    }

    private static void AddHoldAndCounted(IServiceCollection s, TaskCompletionSource release, Action counted)
    {
        s.AddTask("test.hold", async _ => { await release.Task; return null; });
        s.AddTask("test.counted", _ => { counted(); return ValueTask.FromResult<JsonNode?>(null); });
    }

    [Fact]
    public async Task ARevocationAfterItsCheck_StopsATaskWaitingForItsSlot_ThroughTheBroadcast()
    {
        // Two instances on one Redis: the task waits for its slot on "worker", the revoke comes in on "api".
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var worker = EngineHarness.Create(redis.Server.Configuration, s => AddHoldAndCounted(s, release, () => Interlocked.Increment(ref runs)), ChecksAhead);
        await using var api = Harness();
        var listener = worker.Services.GetServices<IHostedService>().OfType<RedisRevocationBroadcast>().Single();
        await listener.StartAsync(CancellationToken.None);
        try
        {
            var (target, holding, waiting) = await HoldTheSlotAsync(worker);

            await Revoker(api).RevokeAsync(target, terminate: false, CancellationToken.None);
            // The broadcast reaches the worker through Redis's pub/sub, after the revoke has returned: wait until the worker
            // has heard it (it lists a revocation before it marks the waiting task, on the same thread, and the delete
            // below is a round trip more), or a busy machine releases the slot first and the task runs.
            var heard = worker.Services.GetRequiredService<RecentRevocations>();
            await WaitForAsync(() => Task.FromResult(heard.Snapshot().Any(r => r.Key == target)));
            // What the revoke stored is deleted again (the REVOKED result and the revocation): only what the broadcast told
            // the waiting task can stop it now.
            var db = (await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration)).GetDatabase();
            var resultKey = "celery-task-meta-" + target;
            Assert.Equal(2, await db.KeyDeleteAsync([resultKey, "afirgen-revoked:{" + resultKey + "}"]));

            release.SetResult();
            await holding.WaitAsync(TimeSpan.FromSeconds(10));
            await waiting.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, runs);
            Assert.Equal(TaskStates.Revoked, (await worker.ResultAsync(target))!.Status);
            Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await worker.StatsAsync());
            Assert.Equal(0, worker.Services.GetRequiredService<RunningTasks>().WaitingCount);
            // And the worker still lists it among its revocations (inspect revoked), though it came in on the other instance.
            Assert.Contains(heard.Snapshot(), r => r.Key == target);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ACheckOlderThanASecondWhenTheSlotComes_IsDoneAgain_AndSeesWhatChangedMeanwhile()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var worker = EngineHarness.Create(redis.Server.Configuration, s => AddHoldAndCounted(s, release, () => Interlocked.Increment(ref runs)), ChecksAhead);
        var (target, holding, waiting) = await HoldTheSlotAsync(worker);

        // While it waits, another delivery of the same task finishes (a duplicate message), and two seconds pass.
        await worker.Results.StoreAsync(new TaskResultMeta { TaskId = target, Status = TaskStates.Success, DateDone = worker.Time.GetUtcNow() }, CancellationToken.None);
        worker.Time.Advance(TimeSpan.FromSeconds(2));

        release.SetResult();
        await holding.WaitAsync(TimeSpan.FromSeconds(10));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, runs);
        Assert.Equal(TaskStates.Success, (await worker.ResultAsync(target))!.Status);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await worker.StatsAsync());
    }

    [Fact]
    public async Task AWaitingTaskGivenBackAtAStop_IsNoLongerRegisteredAsWaiting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var worker = EngineHarness.Create(redis.Server.Configuration, s => AddHoldAndCounted(s, release, () => Interlocked.Increment(ref runs)), ChecksAhead);
        var holder = await worker.Publisher.PublishAsync(new TaskRequest { TaskName = "test.hold" }, CancellationToken.None);
        await worker.Publisher.PublishAsync(new TaskRequest { TaskName = "test.counted" }, CancellationToken.None);
        var running = worker.Services.GetRequiredService<RunningTasks>();
        var holding = worker.RunNextAsync();
        await WaitForAsync(() => Task.FromResult(running.Count == 1));
        using var stop = new CancellationTokenSource();
        var waiting = worker.Runner.RunAsync(await worker.ReceiveAsync(), new RunControl(stop.Token), CancellationToken.None);
        await WaitForAsync(() => Task.FromResult(running.WaitingCount == 1));

        await stop.CancelAsync();
        Assert.Equal(RunEnd.GivenBack, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, running.WaitingCount);
        release.SetResult();
        await holding.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, runs);
        Assert.Equal(TaskStates.Success, (await worker.ResultAsync(holder.TaskId))!.Status);
        // The given-back message is in its queue again, to run later or elsewhere.
        Assert.Equal(1, (await worker.StatsAsync()).Waiting);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met within 10 s");
            await Task.Delay(10);
        }
    }

    private sealed class RevokeRecorder : ITaskObserver
    {
        private readonly ConcurrentQueue<string> _events = new();
        public IReadOnlyList<string> Events => _events.ToArray();
        public void OnStarted(TaskEvent task) => _events.Enqueue($"started {task.TaskId}");
        public void OnRevoked(TaskEvent task, string reason) => _events.Enqueue($"revoked {task.TaskId} {reason}");
        public void OnFinished(TaskEvent task) => _events.Enqueue($"finished {task.TaskId}");
        public void OnRevokeRequested(string taskId, string? previousState, bool terminate) =>
            _events.Enqueue($"requested {taskId} prev={previousState ?? "-"} terminate={terminate}");
    }
}
