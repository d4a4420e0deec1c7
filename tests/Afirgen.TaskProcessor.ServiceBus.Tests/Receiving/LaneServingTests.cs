using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Hosting;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Receiving;

/// <summary>
/// The serving rule under a mixed backlog, measured on the real publisher, Service Bus sender, trigger handler, runner
/// and priority gate. Service Bus itself is the fake client's queues, and its Functions triggers are emulated as the
/// host runs them: one trigger per Service Bus queue, each with its own <c>maxConcurrentCalls</c> (4) invocations that
/// take that queue's messages in order. Tasks run until the test ends them, oldest first, one at a time, and each
/// ending frees exactly one slot, so the order of starts is the rule's and not the machine's.
/// </summary>
public sealed class LaneServingTests(ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private const string Report = "afirgen_tasks.reports.generate_pdf";
    private const int MaxConcurrentCalls = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly Channel<(string Id, int Priority)> _started = Channel.CreateUnbounded<(string, int)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _release = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _triggers = [];
    private ServiceProvider _services = null!;
    private long _sequence;

    public Task InitializeAsync() => Task.CompletedTask;

    private void Build(bool lanes)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceBusConnectionSettings.Name] = "Endpoint=sb://localhost/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==",
            ["TaskProcessor:Worker:Concurrency"] = "4",
            ["TaskProcessor:Routing:Queues:reports:Lanes:high:Enabled"] = lanes ? "true" : "false",
        });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.AddTaskProcessor(p => p.UseServiceBus().UseRedisResults());
        builder.Services.AddAfirgenDefaults();
        builder.Services.Replace(ServiceDescriptor.Singleton<ServiceBusClient>(_client));
        builder.Services.AddTask(Report, async context =>
        {
            var id = context.Kwargs["n"]!.GetValue<string>();
            var release = _release.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _started.Writer.TryWrite((id, context.Priority));
            await release.Task;
            return null;
        });
        _services = builder.Services.BuildServiceProvider();
    }

    // xunit 2 disposes a test class through IAsyncLifetime, never IAsyncDisposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var release in _release.Values)
        {
            release.TrySetResult();
        }
        await Task.WhenAll(_triggers).WaitAsync(Patience);
        await _services.DisposeAsync();
        await _client.DisposeAsync();
        _stop.Dispose();
    }

    private async Task PublishAsync(string id, int priority) =>
        await _services.GetRequiredService<TaskPublisher>().PublishAsync(
            new TaskRequest { TaskName = Report, Kwargs = new JsonObject { ["n"] = id }, Priority = priority }, CancellationToken.None);

    /// <summary>Starts the emulated trigger on a Service Bus queue: its invocations take what was sent there, in order.</summary>
    private void StartTrigger(string queue, int maxConcurrentCalls = MaxConcurrentCalls)
    {
        var backlog = new ConcurrentQueue<ServiceBusMessage>(_client.SenderFor(queue).Sent);
        var handler = _services.GetRequiredService<ServiceBusMessageHandler>();
        for (var call = 0; call < maxConcurrentCalls; call++)
        {
            _triggers.Add(Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested && backlog.TryDequeue(out var sent))
                {
                    var sequence = Interlocked.Increment(ref _sequence);
                    var received = ServiceBusModelFactory.ServiceBusReceivedMessage(
                        body: sent.Body, messageId: sent.MessageId, correlationId: sent.CorrelationId, deliveryCount: 1,
                        enqueuedTime: _time.GetUtcNow().AddTicks(sequence), lockedUntil: _time.GetUtcNow().AddMinutes(5), sequenceNumber: sequence);
                    await handler.HandleAsync(queue, received, new RecordingSettlement(), _stop.Token);
                }
            }));
        }
    }

    private async Task<(string Id, int Priority)> NextStartAsync() => await _started.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>Ends the oldest running task and returns what started in its place.</summary>
    private async Task<(string Id, int Priority)> CompleteOldestAsync(Queue<string> running)
    {
        _release.GetOrAdd(running.Dequeue(), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        var next = await NextStartAsync();
        running.Enqueue(next.Id);
        return next;
    }

    [Fact]
    public async Task APriority10Task_Behind2000Priority5Tasks_StartsBeforeAnyOfThemCompletes()
    {
        Build(lanes: true);
        for (var i = 0; i < 2000; i++)
        {
            await PublishAsync($"normal-{i}", 5);
        }
        await PublishAsync("urgent", 10);
        Assert.Equal(2000, _client.SenderFor("reports").Sent.Count());
        Assert.Equal(["urgent"], _client.SenderFor("reports-high").Sent.Select(m => m.CorrelationId is not null ? "urgent" : ""));

        StartTrigger("reports");
        var running = new Queue<string>();
        for (var i = 0; i < 4; i++)
        {
            running.Enqueue((await NextStartAsync()).Id); // every shared slot taken by the backlog
        }
        StartTrigger("reports-high");

        // Nothing has completed: the high lane's own trigger brought it, and a reserved slot took it.
        Assert.Equal(("urgent", 10), await NextStartAsync());
        output.WriteLine("priority 10 behind 2,000 priority 5 on the reports queue with lanes: started after 0 completions");
    }

    [Fact]
    public async Task WithoutLanes_APriority10Task_Behind2000Priority5Tasks_WaitsForAlmostAllOfThem()
    {
        // What lanes fix: with the lane turned off, Service Bus hands the trigger the backlog in order.
        Build(lanes: false);
        for (var i = 0; i < 2000; i++)
        {
            await PublishAsync($"normal-{i}", 5);
        }
        await PublishAsync("urgent", 10);
        Assert.Empty(_client.SenderFor("reports-high").Sent);
        StartTrigger("reports");
        var running = new Queue<string>();
        for (var i = 0; i < 4; i++)
        {
            running.Enqueue((await NextStartAsync()).Id);
        }

        var completions = 0;
        while ((await CompleteOldestAsync(running)).Id != "urgent")
        {
            completions++;
        }
        completions++;

        output.WriteLine($"priority 10 behind 2,000 priority 5 on one queue without lanes: started after {completions} completions");
        Assert.InRange(completions, 1990, 2000);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public async Task UnderAMixedBacklog_TheHighLaneGoesFirst_AndTheQueueStillGetsOneSharedSlotInFive(int highLaneCalls)
    {
        Build(lanes: true);
        for (var i = 0; i < 2000; i++)
        {
            await PublishAsync($"normal-{i}", 5);
        }
        for (var i = 0; i < 200; i++)
        {
            await PublishAsync($"high-{i}", 8);
        }
        StartTrigger("reports");
        var running = new Queue<string>();
        for (var i = 0; i < 4; i++)
        {
            running.Enqueue((await NextStartAsync()).Id);
        }
        StartTrigger("reports-high", highLaneCalls);
        var first = await NextStartAsync();
        running.Enqueue(first.Id);
        Assert.Equal(8, first.Priority); // at once, in the reserved slot

        // Complete the oldest task, one at a time, until every high-lane task has started.
        var starts = new List<int> { first.Priority };
        while (starts.Count(p => p == 8) < 200)
        {
            starts.Add((await CompleteOldestAsync(running)).Priority);
        }

        var completions = starts.Count - 1;
        var normalStarts = starts.Count(p => p == 5);
        var longestHighRun = starts.Aggregate((Run: 0, Max: 0), (a, p) => p == 8 ? (a.Run + 1, Math.Max(a.Max, a.Run + 1)) : (0, a.Max)).Max;
        output.WriteLine($"high lane with {highLaneCalls} calls: 200 priority 8 behind 2,000 priority 5: all started within {completions} completions; " +
            $"priority 5 took {normalStarts} of those {starts.Count} starts; longest run of priority 8 starts: {longestHighRun}");

        // Strict preference: the high lane holds the reserved slot and at least 4 of every 5 shared starts its calls can
        // fill, so its 200 tasks all start within 300 completions (8 calls: 236 measured alone, 260 once in a full
        // ./test.sh) or, when its 4 calls cap it at 4 running, within 500 (291-320 measured on an idle machine; each start
        // is a race between a lane call fetching its next message and a slot's release, which load tilts: 330 in a busy
        // CI-like run, 384 in a full ./test.sh on 2026-12-04), against 2,000 for the backlog alone, which is what a broken
        // lane would read.
        Assert.InRange(completions, 200, highLaneCalls > MaxConcurrentCalls ? 300 : 500);
        // No starvation: after 4 shared starts of the high lane while the queue itself waits, the next shared start is
        // the queue's. With 8 calls the high lane could fill every slot, and the rule is all that gives the queue its
        // share: 37 of 237 starts measured (1 in 5 of the shared starts; the reserved slot's are the rest).
        Assert.InRange(normalStarts, highLaneCalls > MaxConcurrentCalls ? 30 : 80, starts.Count);
        Assert.InRange(longestHighRun, 1, 8);
    }
}
