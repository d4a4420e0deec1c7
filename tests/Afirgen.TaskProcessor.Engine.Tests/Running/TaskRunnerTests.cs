using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>Every branch of the runner's order of truth, on the embedded broker with real Redis results.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class TaskRunnerTests(RedisFixture redis)
{
    private EngineHarness Harness(Action<IServiceCollection>? tasks = null, Dictionary<string, string?>? settings = null) =>
        EngineHarness.Create(redis.Server.Configuration, tasks, settings);

    private static TaskRequest Request(string task, JsonObject? kwargs = null, int? priority = null) =>
        new() { TaskName = task, Kwargs = kwargs ?? [], Priority = priority };

    [Fact]
    public async Task Run_StoresSuccessThenCompletes()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Echo, new JsonObject { ["x"] = 1 }), CancellationToken.None);
        await h.RunNextAsync();

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Success, result!.Status);
        Assert.Equal(1, result.Result!["kwargs"]!["x"]!.GetValue<int>());
        Assert.NotNull(result.DateDone);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task ASlotIsFreedWhenTheHandlerReturns_SoTheNextTaskRuns_WhileTheFirstIsStillBeingSettled()
    {
        // One slot: what a task holds it for is its handler, not the round trips that store its outcome and settle it.
        await using var h = Harness(settings: new() { ["TaskProcessor:Worker:Concurrency"] = "1" });
        var first = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Echo, new JsonObject { ["n"] = 1 }), CancellationToken.None);
        var second = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Echo, new JsonObject { ["n"] = 2 }), CancellationToken.None);
        var settling = new SettlementThatWaits();

        var firstRun = h.RunNextAsync(settlementOverride: settling);
        await settling.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await h.RunNextAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TaskStates.Success, (await h.ResultAsync(second.TaskId))!.Status);
        Assert.False(firstRun.IsCompleted, "the first task finished settling before the second ran: the test no longer shows the slot freed early");
        settling.Release.SetResult();
        await firstRun.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(first.TaskId))!.Status);
    }

    /// <summary>A settlement whose completion waits until the test lets it go.</summary>
    private sealed class SettlementThatWaits : IMessageSettlement
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            Reached.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }

        public Task AbandonAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken) => Task.FromResult(DateTimeOffset.MaxValue);
    }

    [Fact]
    public async Task Run_DoesNotRepeatSideEffects_WhenTheLockExpiresAfterTheResultWasStored()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.counted", _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult<JsonNode?>("done");
        }));
        var published = await h.Publisher.PublishAsync(Request("test.counted"), CancellationToken.None);

        // The worker "dies" after storing SUCCESS and before completing: its settlement never reaches the broker.
        await h.RunNextAsync(settlementOverride: new CrashBeforeSettling());
        Assert.Equal(1, (await h.StatsAsync()).InFlight);

        h.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // past the lock duration
        var redelivered = await h.RunNextAsync();

        Assert.Equal(2, redelivered.Message.DeliveryCount);
        Assert.Equal(1, runs);
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task Run_RevokesInsteadOfRunning_WhenExpired()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.counted", _ => { runs++; return ValueTask.FromResult<JsonNode?>(null); }));
        var published = await h.Publisher.PublishAsync(Request("test.counted") with { Expires = h.Time.GetUtcNow().AddSeconds(10) }, CancellationToken.None);
        h.Time.Advance(TimeSpan.FromSeconds(11));
        await h.RunNextAsync();

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Revoked, result!.Status);
        Assert.Equal("TaskRevokedError", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal(0, runs);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task Run_HandsAnEarlyMessageBackToTheBroker_UntilItsEta()
    {
        await using var h = Harness();
        // As kombu sends it: on the queue at once, with the ETA only in the headers.
        var eta = h.Time.GetUtcNow().AddHours(1);
        var message = new TaskMessage { Id = Guid.NewGuid().ToString(), TaskName = DiagnosticTasks.Echo, Eta = eta };
        await h.Broker.SendAsync("default", new OutgoingMessage(message.Id, message.Id, message.TaskName, 5, CeleryMessageWriter.Write(message, "default", 5)), null, CancellationToken.None);

        await h.RunNextAsync();
        Assert.Null(await h.ResultAsync(message.Id));
        Assert.Equal(new QueueStatistics("default", 0, 1, 0, 0), await h.StatsAsync());

        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (await h.StatsAsync()).Waiting);
        await h.RunNextAsync();
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(message.Id))!.Status);
    }

    [Fact]
    public async Task Run_DeadLettersAnUnknownTask_AndStoresFailure()
    {
        await using var h = Harness();
        var message = new TaskMessage { Id = Guid.NewGuid().ToString(), TaskName = "afirgen_tasks.nope.missing" };
        await h.Broker.SendAsync("default", new OutgoingMessage(message.Id, message.Id, message.TaskName, 5, CeleryMessageWriter.Write(message, "default", 5)), null, CancellationToken.None);
        await h.RunNextAsync();

        var result = await h.ResultAsync(message.Id);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("NotRegistered", result.Result!["exc_type"]!.GetValue<string>());
        var dead = Assert.Single(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None));
        Assert.Equal(DeadLetterReasons.UnknownTask, dead.Reason);
        Assert.Contains("afirgen_tasks.nope.missing", dead.Description);
    }

    [Fact]
    public async Task Run_DeadLettersAMalformedMessage_AndStoresFailureWhenItHasAnId()
    {
        await using var h = Harness();
        var sample = JsonNode.Parse(WireSamples.Read("01-email-basic.json"))!;
        sample["body"] = "not base64!";
        await h.Broker.SendAsync("email", new OutgoingMessage("m1", "?", "?", 5, Encoding.UTF8.GetBytes(sample.ToJsonString())), null, CancellationToken.None);
        await h.Broker.SendAsync("email", new OutgoingMessage("m2", "?", "?", 5, "garbage"u8.ToArray()), null, CancellationToken.None);
        await h.RunNextAsync("email");
        await h.RunNextAsync("email");

        var result = await h.ResultAsync("2021bb9b-6d64-4e4d-8388-ceadefbaef25");
        Assert.Equal(TaskStates.Failure, result!.Status);
        var dead = await h.Broker.GetDeadLettersAsync("email", 100, CancellationToken.None);
        Assert.Equal(2, dead.Count);
        Assert.All(dead, d => Assert.Equal(DeadLetterReasons.MalformedMessage, d.Reason));
        Assert.Contains(dead, d => d.Description.Contains("base64"));
        Assert.Contains(dead, d => d.Description.Contains("not valid JSON"));
    }

    [Fact]
    public async Task Run_RetriesWithBackOff_ThenSucceeds()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.FailTimes, new JsonObject { ["times"] = 2 }), CancellationToken.None);

        await h.RunNextAsync();
        var first = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Retry, first!.Status);
        Assert.Equal(new QueueStatistics("default", 0, 1, 0, 0), await h.StatsAsync());

        h.Time.Advance(TimeSpan.FromSeconds(0.79)); // first back-off is 1 s ± 20 %
        Assert.Equal(0, (await h.StatsAsync()).Waiting);
        h.Time.Advance(TimeSpan.FromSeconds(0.42));
        var retry1 = await h.RunNextAsync();
        Assert.Equal(TaskStates.Retry, (await h.ResultAsync(published.TaskId))!.Status);

        h.Time.Advance(TimeSpan.FromSeconds(1.59)); // second back-off is 2 s ± 20 %
        Assert.Equal(0, (await h.StatsAsync()).Waiting);
        h.Time.Advance(TimeSpan.FromSeconds(0.82));
        await h.RunNextAsync();

        var done = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Success, done!.Status);
        Assert.Equal(3, done.Result!["attempts"]!.GetValue<int>());
        Assert.Equal(MessageIds.ForRetry(published.TaskId, 1), retry1.Message.MessageId);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task Run_DoesNotRepeatAFailedAttempt_WhenItsRetryWasSentButTheLockWasLost()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.flaky_once", ctx =>
        {
            Interlocked.Increment(ref runs);
            return ctx.Retries == 0 ? throw new TimeoutException("upstream slow") : ValueTask.FromResult<JsonNode?>("done");
        }, o => o.Retry = new RetryPolicy { MaxRetries = 3, InitialDelay = TimeSpan.FromMinutes(2) }));
        var published = await h.Publisher.PublishAsync(Request("test.flaky_once"), CancellationToken.None);

        // The attempt fails, its retry is scheduled, and the worker dies before completing the message.
        await h.RunNextAsync(settlementOverride: new CrashBeforeSettling());
        h.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // the lock expires; the retry is not due yet
        var first = await h.RunNextAsync();
        Assert.Equal(1, runs);
        h.Time.Advance(TimeSpan.FromMinutes(3));
        var second = await h.RunNextAsync();

        Assert.Equal(2, first.Message.DeliveryCount);
        Assert.Equal(1, second.Message.DeliveryCount);
        Assert.Equal(2, runs); // the failed attempt once, the retry once
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
    }

    [Fact]
    public async Task Run_StoresFailureAndDeadLetters_AfterTheLastRetry()
    {
        var runs = 0;
        await using var h = Harness(s => s.AddTask("test.always_fails", _ =>
        {
            runs++;
            throw new TimeoutException("upstream slow");
        }, o => o.Retry = new RetryPolicy { MaxRetries = 2, InitialDelay = TimeSpan.FromSeconds(1) }));
        var published = await h.Publisher.PublishAsync(Request("test.always_fails"), CancellationToken.None);

        await h.RunNextAsync();
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.RunNextAsync();
        h.Time.Advance(TimeSpan.FromSeconds(3));
        await h.RunNextAsync();

        Assert.Equal(3, runs);
        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("TimeoutError", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Contains("upstream slow", result.Traceback);
        var dead = Assert.Single(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None));
        Assert.Equal(DeadLetterReasons.MaxRetriesExceeded, dead.Reason);
        Assert.StartsWith("Failed after 2 retries: TimeoutError: upstream slow", dead.Description);
    }

    [Fact]
    public async Task Run_FailsAtOnce_OnAPermanentError()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Fail, new JsonObject { ["message"] = "invalid e-mail address" }), CancellationToken.None);
        await h.RunNextAsync();

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("ValueError", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal(DeadLetterReasons.TaskFailed, Assert.Single(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None)).Reason);
        Assert.Equal(0, (await h.StatsAsync()).Scheduled);
    }

    [Fact]
    public async Task Run_FailsWithATypeError_WhenArgumentsDoNotFit()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Sleep, new JsonObject { ["secs"] = 1 }), CancellationToken.None);
        await h.RunNextAsync();

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("TypeError", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal("sleep() got an unexpected keyword argument 'secs'", result.Result["exc_message"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_CancelsTheTaskAtTheSoftLimit_AndStoresFailure()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Sleep, new JsonObject { ["seconds"] = 3600 }) with
        {
            SoftTimeLimit = TimeSpan.FromSeconds(5),
            HardTimeLimit = TimeSpan.FromSeconds(10),
        }, CancellationToken.None);
        var delivery = await h.ReceiveAsync();
        var run = h.Runner.RunAsync(delivery, CancellationToken.None);
        await WaitForStateAsync(h, published.TaskId, TaskStates.Started);

        // Ends at the soft limit (5 s), well before the hard one (10 s).
        await StepClockUntilEndedAsync(h, run, mostSeconds: 8);

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("SoftTimeLimitExceeded", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal(DeadLetterReasons.SoftTimeLimitExceeded, Assert.Single(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None)).Reason);
    }

    [Fact]
    public async Task Run_GivesUpAtTheHardLimit_WhenTheTaskIgnoresCancellation()
    {
        var never = new TaskCompletionSource<JsonNode?>();
        await using var h = Harness(s => s.AddTask("test.stuck", _ => new ValueTask<JsonNode?>(never.Task)));
        var published = await h.Publisher.PublishAsync(Request("test.stuck") with { SoftTimeLimit = TimeSpan.FromSeconds(5), HardTimeLimit = TimeSpan.FromSeconds(10) }, CancellationToken.None);
        var delivery = await h.ReceiveAsync();
        var run = h.Runner.RunAsync(delivery, CancellationToken.None);
        await WaitForStateAsync(h, published.TaskId, TaskStates.Started);

        await StepClockUntilEndedAsync(h, run, mostSeconds: 13);

        var result = await h.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result!.Status);
        Assert.Equal("TimeLimitExceeded", result.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal(DeadLetterReasons.HardTimeLimitExceeded, Assert.Single(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None)).Reason);
    }

    [Fact]
    public async Task Run_KeepsARunawayHandlersScope_UntilTheHandlerEnds()
    {
        await using var h = Harness(s =>
        {
            s.AddScoped<ScopedResource>();
            s.AddTask<StuckHandler>("test.stuck_scoped");
        });
        var published = await h.Publisher.PublishAsync(Request("test.stuck_scoped") with { SoftTimeLimit = TimeSpan.FromSeconds(5), HardTimeLimit = TimeSpan.FromSeconds(10) }, CancellationToken.None);
        var run = h.Runner.RunAsync(await h.ReceiveAsync(), CancellationToken.None);
        await WaitForStateAsync(h, published.TaskId, TaskStates.Started);

        await StepClockUntilEndedAsync(h, run, mostSeconds: 13);
        Assert.Equal(TaskStates.Failure, (await h.ResultAsync(published.TaskId))!.Status);
        var resource = await StuckHandler.Resource.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(resource.Disposed); // the handler still runs: its scope must not be torn down under it

        StuckHandler.Release.SetResult();
        await resource.DisposedSignal.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class ScopedResource : IDisposable
    {
        public bool Disposed { get; private set; }
        public TaskCompletionSource DisposedSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose()
        {
            Disposed = true;
            DisposedSignal.TrySetResult();
        }
    }

    /// <summary>Ignores its cancellation token until the test releases it.</summary>
    private sealed class StuckHandler(ScopedResource resource) : ITaskHandler
    {
        public static readonly TaskCompletionSource<ScopedResource> Resource = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            Resource.TrySetResult(resource);
            await Release.Task;
            return null;
        }
    }

    [Fact]
    public async Task Run_SendsTheNextChainLink_WithTheResultAndTheParentsPriority()
    {
        await using var h = Harness(s => s.AddTask("test.first", _ => ValueTask.FromResult<JsonNode?>("FIR-9")));
        var next = new TaskSignature(DiagnosticTasks.Echo, ["extra"], [], new JsonObject { ["task_id"] = "next-link-id" }, false, null);
        var last = new TaskSignature(DiagnosticTasks.Echo, ["end"], [], [], true, null);
        var first = await h.Publisher.PublishAsync(Request("test.first", priority: 8) with { Chain = [next, last] }, CancellationToken.None);

        await h.RunNextAsync();
        var second = await h.RunNextAsync();
        var secondParsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(second.Message.Body)).Message;
        Assert.Equal("next-link-id", secondParsed.Id);
        Assert.Equal(first.TaskId, secondParsed.ParentId);
        Assert.Equal(first.TaskId, secondParsed.RootId);
        Assert.Equal(8, secondParsed.Priority);
        Assert.Equal(["FIR-9", "extra"], (await h.ResultAsync("next-link-id"))!.Result!["args"]!.AsArray().Select(a => a!.GetValue<string>()));

        var third = await h.RunNextAsync();
        var thirdParsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(third.Message.Body)).Message;
        Assert.Equal(first.TaskId, thirdParsed.RootId);
        Assert.Equal("next-link-id", thirdParsed.ParentId);
        // Immutable: the previous result is not prepended.
        Assert.Equal(["end"], (await h.ResultAsync(thirdParsed.Id))!.Result!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(0, (await h.StatsAsync()).Waiting);
    }

    [Fact]
    public async Task Run_ChildTasksInheritThePriority_UnlessTheySetTheirOwn()
    {
        await using var h = Harness(s => s.AddTask("test.parent", async context =>
        {
            await context.EnqueueAsync(DiagnosticTasks.Echo, kwargs: new JsonObject { ["n"] = 1 });
            await context.EnqueueAsync(DiagnosticTasks.Echo, kwargs: new JsonObject { ["n"] = 2 }, priority: 2);
            return null;
        }));
        var parent = await h.Publisher.PublishAsync(Request("test.parent", priority: 9), CancellationToken.None);
        await h.RunNextAsync();

        var children = new List<TaskMessage>();
        for (var i = 0; i < 2; i++)
        {
            var delivery = await h.ReceiveAsync();
            children.Add(Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(delivery.Message.Body)).Message);
            await delivery.Settlement.CompleteAsync(CancellationToken.None);
        }
        Assert.Equal(9, children.Single(c => c.Kwargs["n"]!.GetValue<int>() == 1).Priority);
        Assert.Equal(2, children.Single(c => c.Kwargs["n"]!.GetValue<int>() == 2).Priority);
        Assert.All(children, c => Assert.Equal(parent.TaskId, c.ParentId));
        Assert.All(children, c => Assert.Equal(parent.TaskId, c.RootId));

        var stored = (await h.ResultAsync(parent.TaskId))!;
        Assert.Equal(children.Select(c => c.Id).Order(), stored.Children!.Select(c => c![0]![0]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Run_AbandonsAndDoesNotComplete_WhenRedisIsDown()
    {
        await using var server = await RedisServer.StartAsync();
        await using var h = EngineHarness.Create(server.Configuration);
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Echo), CancellationToken.None);
        await server.StopAsync();

        var delivery = await h.RunNextAsync();
        Assert.Equal(new QueueStatistics("default", 1, 0, 0, 0), await h.StatsAsync()); // back on the queue, not completed

        await server.StartAgainAsync();
        await WaitUntilAsync(async () => (await TryGetAsync(h, published.TaskId)) is not null || await RunAgainAsync(h));
        Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.Equal(1, delivery.Message.DeliveryCount);
    }

    [Theory]
    [InlineData(10, true)]  // Redis back within the outcome retry window (15 s): stored, completed, run once
    [InlineData(20, false)] // not back in time: given back for a redelivery, which runs the task again
    public async Task Run_KeepsTryingToStoreAFinishedTasksOutcome_ThroughAShortRedisOutage(int outageSeconds, bool storedInTime)
    {
        await using var server = await RedisServer.StartAsync();
        var runs = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = EngineHarness.Create(server.Configuration, s => s.AddTask("test.slow", async _ =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await release.Task;
            return "done";
        }));
        var published = await h.Publisher.PublishAsync(Request("test.slow"), CancellationToken.None);
        var delivery = await h.ReceiveAsync();
        var run = h.Runner.RunAsync(delivery, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5));

        await server.StopAsync();
        release.SetResult();
        // The outage, on the runner's clock: half a second at a time, with half of that in real time, so that it also
        // outlasts the client's own patience (it holds a command back for up to its 2 s timeout) as a real outage would.
        for (var elapsed = 0.0; elapsed < outageSeconds; elapsed += 0.5)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(250);
        }
        await server.StartAgainAsync();
        // Until the client has reconnected, on the real clock only: on a loaded machine reconnecting takes a while,
        // and the runner's clock must not run out the window meanwhile (a real outage's clock and the client's are one).
        var reconnected = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < reconnected)
        {
            try
            {
                await h.Results.GetAsync("probe", CancellationToken.None);
                break;
            }
            catch (ResultStoreUnavailableException)
            {
                await Task.Delay(100);
            }
        }
        for (var step = 0; step < 200 && !run.IsCompleted; step++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, runs);
        if (storedInTime)
        {
            Assert.Equal(TaskStates.Success, (await h.ResultAsync(published.TaskId))!.Status);
            Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), await h.StatsAsync());
        }
        else
        {
            // The restarted test server kept nothing; the message is back on the queue, for a run that stores its outcome.
            Assert.Equal(new QueueStatistics("default", 1, 0, 0, 0), await h.StatsAsync());
        }
    }

    [Fact]
    public async Task Run_ResendsTheRetry_WhenARedeliveredAttemptFindsRetryStoredButItsMessageMayNotHaveGoneOut()
    {
        // The first attempt stored RETRY, then the broker failed before the retry message went out and the attempt was
        // given back. Its redelivery must not run the task again, nor drop it: it sends the retry (under the retry's own
        // id, which duplicate detection drops had it gone out) and completes.
        await using var h = Harness(settings: new() { ["TaskProcessor:Results:Extended"] = "true" });
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.FailTimes, new JsonObject { ["times"] = 5 }), CancellationToken.None);
        var first = await h.ReceiveAsync();
        await h.Results.StoreAsync(new TaskResultMeta
        {
            TaskId = published.TaskId, Status = TaskStates.Retry,
            Extended = new ExtendedResultFields(DiagnosticTasks.FailTimes, [], [], "gone@test", 0, "default"),
        }, CancellationToken.None);
        await first.Settlement.AbandonAsync(CancellationToken.None);

        var redelivered = await h.RunNextAsync();
        Assert.Equal(2, redelivered.Message.DeliveryCount);
        var stats = await h.StatsAsync();
        Assert.Equal(1, stats.Scheduled);
        Assert.Equal(0, stats.Waiting + stats.InFlight);
        h.Time.Advance(TimeSpan.FromMinutes(20));
        var retry = await h.ReceiveAsync();
        Assert.Equal(MessageIds.ForRetry(published.TaskId, 1), retry.Message.MessageId);
    }

    [Fact]
    public async Task Run_AbandonsARunningTask_WhenTheWorkerMustStop()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(Request(DiagnosticTasks.Sleep, new JsonObject { ["seconds"] = 60 }), CancellationToken.None);
        var delivery = await h.ReceiveAsync();
        using var abort = new CancellationTokenSource();
        var run = h.Runner.RunAsync(delivery, abort.Token);
        await WaitForStateAsync(h, published.TaskId, TaskStates.Started);

        await abort.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        // Cancelled by shutdown is not a failure: the message goes back for another worker, and its result back to
        // PENDING (the STARTED of a run given back must not outlive it).
        Assert.Equal(TaskStates.Pending, (await h.ResultAsync(published.TaskId))!.Status);
        Assert.Equal(new QueueStatistics("default", 1, 0, 0, 0), await h.StatsAsync());
        Assert.Empty(await h.Broker.GetDeadLettersAsync("default", 100, CancellationToken.None));
    }

    private static async Task<TaskResultMeta?> TryGetAsync(EngineHarness h, string id)
    {
        try
        {
            var r = await h.ResultAsync(id);
            return r?.Status == TaskStates.Success ? r : null;
        }
        catch (ResultStoreUnavailableException)
        {
            return null;
        }
    }

    private static async Task<bool> RunAgainAsync(EngineHarness h)
    {
        if ((await h.StatsAsync()).Waiting > 0)
        {
            await h.RunNextAsync();
        }
        return false;
    }

    /// <summary>
    /// Moves the fake clock on a second at a time until <paramref name="run"/> ends. A run's time-limit timers are armed as
    /// its handler starts, a moment after its STARTED is stored, so one jump made as soon as STARTED is seen can come
    /// before them and never fire them.
    /// </summary>
    private static async Task StepClockUntilEndedAsync(EngineHarness h, Task run, int mostSeconds)
    {
        for (var second = 0; !run.IsCompleted; second++)
        {
            Assert.True(second < mostSeconds, $"the run had not ended {mostSeconds} s (fake) after its STARTED was seen");
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(run, Task.Delay(250));
        }
        await run;
    }

    private static async Task WaitForStateAsync(EngineHarness h, string id, string state) =>
        await WaitUntilAsync(async () => (await h.ResultAsync(id))?.Status == state);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        // Polls real I/O (Redis) only; the engine's own clock is fake and never waited on. Generous, because
        // the Redis client's reconnect back-off after a restart takes seconds on a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Yield();
            await Task.Delay(10);
        }
    }
}
