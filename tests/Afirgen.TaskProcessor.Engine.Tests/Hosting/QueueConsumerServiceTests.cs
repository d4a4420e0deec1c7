using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Hosting;

/// <summary>The pull consumer with the runner and the embedded broker, as the local host runs them.</summary>
public sealed class QueueConsumerServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Forever = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Waits until <paramref name="count"/> messages wait at the gate (received is not enough: a message may still be on its way to it).</summary>
    private static async Task WaitAtTheGateAsync(IHost host, int count)
    {
        var gate = host.Services.GetRequiredService<PriorityGate>();
        var deadline = DateTime.UtcNow + Timeout;
        while (gate.Waiting < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {gate.Waiting} of {count} held messages reached the gate");
            await Task.Delay(10);
        }
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection> tasks, TimeProvider? time = null, FakeLogCollector? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (time is not null) builder.Services.AddSingleton(time);
        if (logs is not null) builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        builder.AddTaskProcessor(p => p.UseInMemoryBroker().UseRedisResults().AddDiagnosticTasks());
        builder.Services.AddAfirgenDefaults();
        tasks(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task Consumer_RunsTheHighestPriorityPrefetchedMessageNext_NotTheOldest()
    {
        // One slot, a deep prefetch: eleven messages are in the worker's hands while the first task
        // blocks. Celery would run the prefetched ones in arrival order; the gate runs priority 10 next.
        var release = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var blockerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new ConcurrentQueue<string>();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(new()
        {
            ["TaskProcessor:Worker:Concurrency"] = "1",
            ["TaskProcessor:Worker:PrefetchMultiplier"] = "32",
            ["TaskProcessor:Worker:Queues:0"] = "default",
        }, s =>
        {
            s.AddTask("test.blocker", _ => { blockerStarted.TrySetResult(); return new ValueTask<JsonNode?>(release.Task); });
            s.AddTask("test.record", context =>
            {
                order.Enqueue(context.Get<string>("label")!);
                if (order.Count == 11) allDone.TrySetResult();
                return ValueTask.FromResult<JsonNode?>(null);
            }, o => o.Parameters = [TaskParameter.RequiredParameter("label")]);
        });
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<TaskPublisher>();

        await publisher.PublishAsync(new TaskRequest { TaskName = "test.blocker" }, CancellationToken.None);
        await blockerStarted.Task.WaitAsync(Timeout);
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(new TaskRequest { TaskName = "test.record", Kwargs = new JsonObject { ["label"] = $"low-{i}" }, Priority = 1 }, CancellationToken.None);
        }
        await publisher.PublishAsync(new TaskRequest { TaskName = "test.record", Kwargs = new JsonObject { ["label"] = "high" }, Priority = 10 }, CancellationToken.None);

        // Wait until all eleven are waiting at the gate (received is not enough: a message may still be on
        // its way from the consumer to the gate) before releasing the slot.
        await WaitAtTheGateAsync(host, 11);
        release.SetResult(null);
        await allDone.Task.WaitAsync(Timeout);
        await host.StopAsync();

        Assert.Equal("high", order.First());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"low-{i}"), order.Skip(1));
    }

    [Fact]
    public async Task Consumer_RenewsTheLock_SoALongTaskIsNotRedelivered()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var runs = 0;
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(new()
        {
            ["TaskProcessor:Broker:LockDuration"] = "00:00:10",
            ["TaskProcessor:Worker:Queues:0"] = "default",
        }, s => s.AddTask("test.long", async context =>
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(TimeSpan.FromSeconds(60), time, context.CancellationToken);
            finished.TrySetResult();
            return "done";
        }), time);
        await host.StartAsync();
        var published = await host.Services.GetRequiredService<TaskPublisher>().PublishAsync(new TaskRequest { TaskName = "test.long" }, CancellationToken.None);
        var broker = host.Services.GetRequiredService<EmbeddedBroker>();
        var results = host.Services.GetRequiredService<IResultStore>();

        var deadline = DateTime.UtcNow + Timeout;
        while ((await results.GetAsync(published.TaskId, CancellationToken.None))?.Status != TaskStates.Started)
        {
            Assert.True(DateTime.UtcNow < deadline, "the task did not start");
            await Task.Delay(10);
        }
        // Six lock durations pass, half a second at a time, until the handler's minute is up: the renewal sweep (every
        // second, renewing when under two thirds of the 10 s lock remain) gets several steps of real time to run before a lock could expire.
        // STARTED is stored just before the handler runs, so its delay may begin a step or two after this loop does:
        // the loop allows twice the minute rather than stopping exactly at it.
        for (var step = 0; step < 240 && !finished.Task.IsCompleted; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(10);
        }
        await finished.Task.WaitAsync(Timeout);
        deadline = DateTime.UtcNow + Timeout;
        while ((await results.GetAsync(published.TaskId, CancellationToken.None))?.Status != TaskStates.Success)
        {
            Assert.True(DateTime.UtcNow < deadline, "the task did not store SUCCESS");
            await Task.Delay(10);
        }
        await host.StopAsync();

        Assert.Equal(1, runs);
        Assert.Equal(new QueueStatistics("default", 0, 0, 0, 0), (await broker.GetStatisticsAsync(["default"], CancellationToken.None))[0]);
    }

    [Fact]
    public async Task Stop_CancelsAndAbandons_WhatIsStillRunningWhenTheGracePeriodEnds()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(new() { ["TaskProcessor:Worker:Queues:0"] = "default" }, s => s.AddTask("test.endless", async context =>
        {
            started.TrySetResult();
            await Task.Delay(Forever, context.CancellationToken);
            return null;
        }));
        await host.StartAsync();
        var published = await host.Services.GetRequiredService<TaskPublisher>().PublishAsync(new TaskRequest { TaskName = "test.endless" }, CancellationToken.None);
        await started.Task.WaitAsync(Timeout);

        using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await host.StopAsync(grace.Token);

        var broker = host.Services.GetRequiredService<EmbeddedBroker>();
        Assert.Equal(new QueueStatistics("default", 1, 0, 0, 0), (await broker.GetStatisticsAsync(["default"], CancellationToken.None))[0]);
        Assert.Empty(await broker.GetDeadLettersAsync("default", 100, CancellationToken.None));
        // Cancelled by shutdown is not a failure, and the STARTED of the run given back does not outlive it: the task
        // is queued again (PENDING) until its redelivery runs.
        Assert.Equal(TaskStates.Pending, (await host.Services.GetRequiredService<IResultStore>().GetAsync(published.TaskId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Stop_GivesHeldMessagesBackAtOnce_LetsTheRunningOneFinish_AndSaysSoInOneLine()
    {
        // One slot: one task runs, five more are held (prefetched) behind it when the host is told to stop.
        var release = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new ConcurrentQueue<string>();
        var logs = new FakeLogCollector();
        using var host = Build(new()
        {
            ["TaskProcessor:Worker:Concurrency"] = "1",
            ["TaskProcessor:Worker:PrefetchMultiplier"] = "8",
            ["TaskProcessor:Worker:Queues:0"] = "default",
        }, s =>
        {
            s.AddTask("test.blocker", _ => { started.TrySetResult(); return new ValueTask<JsonNode?>(release.Task); });
            s.AddTask("test.record", context => { ran.Enqueue(context.TaskId); return ValueTask.FromResult<JsonNode?>(null); });
        }, logs: logs);
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<TaskPublisher>();
        var broker = host.Services.GetRequiredService<EmbeddedBroker>();
        var blocker = await publisher.PublishAsync(new TaskRequest { TaskName = "test.blocker" }, CancellationToken.None);
        await started.Task.WaitAsync(Timeout);
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(new TaskRequest { TaskName = "test.record" }, CancellationToken.None);
        }
        await WaitAtTheGateAsync(host, 5);

        // A grace period far longer than the test: the held ones must go back now, not when it ends.
        var stopping = host.StopAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + Timeout;
        while ((await broker.GetStatisticsAsync(["default"], CancellationToken.None))[0] is var q && (q.Waiting != 5 || q.InFlight != 1))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the held messages did not go back while the running task went on: {q}");
            await Task.Delay(10);
        }
        Assert.False(stopping.IsCompleted, "the stop did not wait for the running task");
        release.SetResult("done");
        await stopping.WaitAsync(Timeout);

        Assert.Empty(ran);
        Assert.Equal(TaskStates.Success, (await host.Services.GetRequiredService<IResultStore>().GetAsync(blocker.TaskId, CancellationToken.None))!.Status);
        Assert.Equal(new QueueStatistics("default", 5, 0, 0, 0), (await broker.GetStatisticsAsync(["default"], CancellationToken.None))[0]);
        var stopped = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 1108);
        Assert.Equal("Stopped: 1 tasks finished during the grace period, 5 held messages given back to the broker unstarted, 0 running tasks cancelled when it ended and given back, 0 left to their locks; the broker now holds 5 waiting and 0 scheduled messages for this worker's queues", stopped.Message);
    }

    [Fact]
    public async Task Consumer_RenewsAWaitingMessage_ForAsLongAsItWaits_EvenPastTheRenewalLimit()
    {
        // The renewal limit bounds a run that never ends, not a message waiting its turn: with the one slot taken for
        // longer than the limit, the message behind it keeps its lock and runs on its first delivery, while the
        // overlong run's own lock is let go at the limit (and expires).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var logs = new FakeLogCollector();
        var deliveries = new ConcurrentQueue<int>();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blockerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(new()
        {
            ["TaskProcessor:Broker:LockDuration"] = "00:00:10",
            ["TaskProcessor:Worker:MaxLockRenewal"] = "00:00:20",
            ["TaskProcessor:Worker:Concurrency"] = "1",
            ["TaskProcessor:Worker:Queues:0"] = "default",
        }, s =>
        {
            s.AddTask("test.long", async context =>
            {
                blockerStarted.TrySetResult();
                await Task.Delay(TimeSpan.FromSeconds(35), time, context.CancellationToken);
                return "done";
            });
            s.AddTask("test.record", context =>
            {
                deliveries.Enqueue(context.DeliveryCount);
                finished.TrySetResult();
                return ValueTask.FromResult<JsonNode?>(null);
            });
        }, time, logs);
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<TaskPublisher>();
        var blocker = await publisher.PublishAsync(new TaskRequest { TaskName = "test.long", Priority = 10 }, CancellationToken.None);
        await blockerStarted.Task.WaitAsync(Timeout);
        var waiting = await publisher.PublishAsync(new TaskRequest { TaskName = "test.record", Priority = 1 }, CancellationToken.None);
        await WaitAtTheGateAsync(host, 1);
        // The blocker's 35 s pass in 0.5 s steps: the waiting message is held past the 20 s limit and three lock durations.
        for (var step = 0; step < 160 && !finished.Task.IsCompleted; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(10);
        }
        await finished.Task.WaitAsync(Timeout);
        await host.StopAsync();

        Assert.Equal([1], deliveries);
        var lockLost = logs.GetSnapshot().Where(r => r.Id.Id is 1008 or 1107).Select(r => r.Message).ToArray();
        Assert.DoesNotContain(lockLost, m => m.Contains(waiting.TaskId, StringComparison.Ordinal));
        Assert.Contains(lockLost, m => m.Contains(blocker.TaskId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddAndCancelQueue_StartAndStopReceiving_AndThePoolResizesThePrefetch()
    {
        var ran = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Ran(string label) => ran.GetOrAdd(label, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        using var host = Build(new()
        {
            ["TaskProcessor:Worker:Concurrency"] = "1",
            ["TaskProcessor:Worker:PrefetchMultiplier"] = "2",
            ["TaskProcessor:Worker:Queues:0"] = "default",
        }, s => s.AddTask("test.record", context =>
        {
            Ran(context.Get<string>("label")!).TrySetResult();
            return ValueTask.FromResult<JsonNode?>(null);
        }, o => o.Parameters = [TaskParameter.RequiredParameter("label")]));
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<TaskPublisher>();
        var consumer = host.Services.GetRequiredService<QueueConsumerService>();
        var broker = host.Services.GetRequiredService<EmbeddedBroker>();
        Task SendAsync(string label, string queue) => publisher.PublishAsync(new TaskRequest { TaskName = "test.record", Queue = queue, Kwargs = new JsonObject { ["label"] = label } }, CancellationToken.None);

        await SendAsync("first", "email");
        await SendAsync("marker-1", "default");
        await Ran("marker-1").Task.WaitAsync(Timeout);
        Assert.False(Ran("first").Task.IsCompleted);
        Assert.Equal(["default"], consumer.Queues);

        Assert.True(consumer.AddQueue("email"));
        Assert.False(consumer.AddQueue("email"));
        await Ran("first").Task.WaitAsync(Timeout);
        Assert.Equal(["default", "email"], consumer.Queues);

        Assert.True(consumer.CancelQueue("email"));
        Assert.False(consumer.CancelQueue("email"));
        Assert.Equal(["default"], consumer.Queues);
        await SendAsync("second", "email");
        await SendAsync("marker-2", "default");
        await Ran("marker-2").Task.WaitAsync(Timeout);
        Assert.False(Ran("second").Task.IsCompleted);
        Assert.Equal(1, (await broker.GetStatisticsAsync(["email"], CancellationToken.None))[0].Waiting);

        var pool = host.Services.GetRequiredService<Afirgen.TaskProcessor.Engine.Control.WorkerPool>();
        Assert.Equal(2, consumer.PrefetchCount);
        Assert.Equal(4, pool.Grow(3));
        Assert.Equal(8, consumer.PrefetchCount);
        Assert.Equal(4, host.Services.GetRequiredService<PriorityGate>().Concurrency);
        Assert.Equal(1, pool.Shrink(10));
        Assert.Equal(2, consumer.PrefetchCount);
        await host.StopAsync();
    }
}
