using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Hosting;

/// <summary>The pull consumer with the runner and the embedded broker, as the local host runs them.</summary>
public sealed class QueueConsumerServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Forever = System.Threading.Timeout.InfiniteTimeSpan;

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection> tasks, TimeProvider? time = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (time is not null) builder.Services.AddSingleton(time);
        builder.AddTaskEngine();
        builder.Services.AddEmbeddedBroker();
        builder.Services.AddQueueConsumers();
        builder.Services.AddDiagnosticTasks();
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
        var gate = host.Services.GetRequiredService<PriorityGate>();
        var deadline = DateTime.UtcNow + Timeout;
        while (gate.Waiting < 11)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {gate.Waiting} of 11 prefetched messages reached the gate");
            await Task.Delay(10);
        }
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
        // 2.5 s, renewing when under 5 s remain) gets about ten steps of real time to run before a lock could expire.
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
        // Cancelled by shutdown is not a failure.
        Assert.Equal(TaskStates.Started, (await host.Services.GetRequiredService<IResultStore>().GetAsync(published.TaskId, CancellationToken.None))!.Status);
    }
}
