using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>What the runner tells its observers, in order, and that a failing observer cannot hurt a task.</summary>
[Collection(RedisCollection.Name)]
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
        Assert.Equal(DeadLetterReasons.MaxRetriesExceeded + "|InvalidOperationException: Planned failure 4 of 9.", failed.Detail);
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

    private sealed record Call(string Kind, TaskEvent Task, string? Detail = null);

    private sealed class RecordingObserver : ITaskObserver
    {
        private readonly ConcurrentQueue<Call> _calls = new();
        public IReadOnlyList<Call> Calls => _calls.ToArray();
        public void OnStarted(TaskEvent task) => _calls.Enqueue(new("started", task));
        public void OnSucceeded(TaskEvent task, JsonNode? result) => _calls.Enqueue(new("succeeded", task));
        public void OnRetryScheduled(TaskEvent task, int retryNumber, string error, DateTimeOffset eta) => _calls.Enqueue(new("retry", task, retryNumber.ToString()));
        public void OnFailed(TaskEvent task, string reason, string error) => _calls.Enqueue(new("failed", task, reason + "|" + error));
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
