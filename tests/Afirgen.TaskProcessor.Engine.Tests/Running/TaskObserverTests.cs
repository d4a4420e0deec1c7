using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>What the runner tells its observers, in order, and that a failing observer cannot hurt a task.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class TaskObserverTests(RedisFixture redis)
{
    [Fact]
    public async Task Observers_HearStartSuccessAndFinish_InThatOrder()
    {
        var recorder = new RecordingObserver();
        await using var h = EngineHarness.Create(redis.Server.Configuration, s => s.AddSingleton<ITaskObserver>(recorder));
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo, Priority = 7 }, CancellationToken.None);
        await h.RunNextAsync();

        Assert.Equal(["started", "succeeded", "finished"], recorder.Calls.Select(c => c.Kind));
        var started = recorder.Calls[0].Task;
        Assert.Equal(published.TaskId, started.TaskId);
        Assert.Equal(DiagnosticTasks.Echo, started.TaskName);
        Assert.Equal("default", started.Queue);
        Assert.Equal(7, started.Priority);
        Assert.Equal(1, started.DeliveryCount);
    }

    [Fact]
    public async Task Observers_HearRetryThenFinalFailure_WithTheRetryNumberAndError()
    {
        var recorder = new RecordingObserver();
        await using var h = EngineHarness.Create(redis.Server.Configuration, s => s.AddSingleton<ITaskObserver>(recorder));
        await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.FailTimes, Kwargs = new JsonObject { ["times"] = 9 } }, CancellationToken.None);

        for (var attempt = 0; attempt < 4; attempt++)
        {
            await h.RunNextAsync();
            h.Time.Advance(TimeSpan.FromSeconds(11));
        }

        var retries = recorder.Calls.Where(c => c.Kind == "retry").ToArray();
        Assert.Equal(["retry 1", "retry 2", "retry 3"], retries.Select(c => $"retry {c.Detail}"));
        var failed = Assert.Single(recorder.Calls, c => c.Kind == "failed");
        Assert.Equal(3, failed.Task.Retries);
        Assert.Equal(DeadLetterReasons.MaxRetriesExceeded + "|RuntimeError: Planned failure 4 of 9.", failed.Detail);
        Assert.Equal(4, recorder.Calls.Count(c => c.Kind == "finished"));
    }

    [Fact]
    public async Task AThrowingObserver_IsLoggedAndTheTaskStillSucceeds()
    {
        var recorder = new RecordingObserver();
        await using var h = EngineHarness.Create(redis.Server.Configuration, s =>
        {
            s.AddSingleton<ITaskObserver>(new ThrowingObserver());
            s.AddSingleton<ITaskObserver>(recorder);
        });
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.RunNextAsync();

        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.Equal(["started", "succeeded", "finished"], recorder.Calls.Select(c => c.Kind));
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task Observers_HearTheParentRootAndChainStillToRun_WithTheIdsTheLinksRunUnder()
    {
        var recorder = new RecordingObserver();
        await using var h = EngineHarness.Create(redis.Server.Configuration, s => s.AddSingleton<ITaskObserver>(recorder));
        // A Celery-style chain a → b → c, as a producer would send it: b without an id of its own, c with one.
        var chain = new[]
        {
            new TaskSignature(DiagnosticTasks.Echo, [], [], [], false, null),
            new TaskSignature(DiagnosticTasks.Noop, [], [], new JsonObject { ["task_id"] = "link-c" }, true, null),
        };
        var a = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo, ParentId = "outer", RootId = "outer-root", Chain = chain }, CancellationToken.None);

        await h.RunNextAsync();
        var startedA = recorder.Calls.First(c => c.Kind == "started").Task;
        Assert.Equal(("outer", "outer-root"), (startedA.ParentId, startedA.RootId));
        Assert.Equal([DiagnosticTasks.Echo, DiagnosticTasks.Noop], startedA.Chain.Select(l => l.TaskName));
        Assert.Equal("link-c", startedA.Chain[1].TaskId);

        // The runner sends b under the id the event announced, with a as its parent and the same root.
        await h.RunNextAsync();
        var startedB = recorder.Calls.Where(c => c.Kind == "started").Select(c => c.Task).Last();
        Assert.Equal(startedA.Chain[0].TaskId, startedB.TaskId);
        Assert.Equal((a.TaskId, "outer-root"), (startedB.ParentId, startedB.RootId));
        Assert.Equal([startedA.Chain[1]], startedB.Chain);

        await h.RunNextAsync();
        var startedC = recorder.Calls.Where(c => c.Kind == "started").Select(c => c.Task).Last();
        Assert.Equal(("link-c", startedB.TaskId), (startedC.TaskId, startedC.ParentId));
        Assert.Empty(startedC.Chain);
    }

    [Fact]
    public async Task Observers_HearATopLevelTaskAsItsOwnRoot_WithNoParentOrChain()
    {
        var recorder = new RecordingObserver();
        await using var h = EngineHarness.Create(redis.Server.Configuration, s => s.AddSingleton<ITaskObserver>(recorder));
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.RunNextAsync();

        var started = recorder.Calls[0].Task;
        Assert.Null(started.ParentId);
        Assert.Equal(published.TaskId, started.RootId);
        Assert.Empty(started.Chain);
    }

    private sealed record Call(string Kind, TaskEvent Task, string? Detail = null);

    private sealed class RecordingObserver : ITaskObserver
    {
        private readonly ConcurrentQueue<Call> _calls = new();
        public Call[] Calls => _calls.ToArray();
        public void OnStarted(TaskEvent task) => _calls.Enqueue(new("started", task));
        public void OnSucceeded(TaskEvent task, JsonNode? result) => _calls.Enqueue(new("succeeded", task));
        public void OnRetryScheduled(TaskEvent task, int retryNumber, string errorText, DateTimeOffset eta) => _calls.Enqueue(new("retry", task, retryNumber.ToString()));
        public void OnFailed(TaskEvent task, string reason, string errorText) => _calls.Enqueue(new("failed", task, reason + "|" + errorText));
        public void OnRevoked(TaskEvent task, string reason) => _calls.Enqueue(new("revoked", task, reason));
        public void OnFinished(TaskEvent task) => _calls.Enqueue(new("finished", task));
    }

    private sealed class ThrowingObserver : ITaskObserver
    {
        public void OnStarted(TaskEvent task) => throw new InvalidOperationException("observer broke");
        public void OnSucceeded(TaskEvent task, JsonNode? result) => throw new InvalidOperationException("observer broke");
        public void OnFinished(TaskEvent task) => throw new InvalidOperationException("observer broke");
    }
}
