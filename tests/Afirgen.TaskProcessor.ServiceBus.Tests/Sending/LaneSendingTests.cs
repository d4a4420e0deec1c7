using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Sending;

/// <summary>Which Service Bus queue a message goes to: the lane its priority falls in, for every priority and setting.</summary>
public sealed class LaneSendingTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes a test class through IAsyncLifetime, never IAsyncDisposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static OutgoingMessage Message(int priority) =>
        new($"m-{priority}", $"t-{priority}", "afirgen_tasks.reports.generate_pdf", priority, Encoding.UTF8.GetBytes("{}"));

    /// <summary>Sends one message of each priority 1–10 to <paramref name="queue"/>; returns the Service Bus queue each reached.</summary>
    private async Task<Dictionary<int, string>> SendEveryPriorityAsync(QueueLanes lanes, string queue, bool scheduled = false)
    {
        await using var sender = new ServiceBusMessageSender(_client, _time, lanes);
        for (var priority = 1; priority <= 10; priority++)
        {
            await sender.SendAsync(queue, Message(priority), scheduled ? _time.GetUtcNow().AddMinutes(5) : null, CancellationToken.None);
        }
        return _client.Senders.SelectMany(s => (scheduled ? s.Value.Scheduled.Select(x => x.Message) : s.Value.Sent).Select(m => (Queue: s.Key, m)))
            .ToDictionary(x => (int)x.m.ApplicationProperties[ServiceBusPropertyNames.Priority], x => x.Queue);
    }

    [Fact]
    public async Task SeedLanes_SendSevenToTen_ToTheHighLane_AndTheRest_ToTheQueue()
    {
        var reached = await SendEveryPriorityAsync(Lanes.Seed, "reports");

        Assert.Equal(
            Enumerable.Range(1, 10).ToDictionary(p => p, p => p >= 7 ? "reports-high" : "reports"),
            reached);
    }

    [Fact]
    public async Task MessagesDueLater_AreScheduledOnTheirLane()
    {
        var reached = await SendEveryPriorityAsync(Lanes.Seed, "email", scheduled: true);

        Assert.Equal(Enumerable.Range(1, 10).ToDictionary(p => p, p => p >= 7 ? "email-high" : "email"), reached);
        Assert.All(_client.Senders.Values, s => Assert.Empty(s.Sent));
    }

    [Fact]
    public async Task ConfiguredBands_PickTheirLanes()
    {
        var lanes = Lanes.Of(o =>
        {
            o.Queues["reports"].Lanes["high"] = new LaneOptions { MinPriority = 6, MaxPriority = 8 };
            o.Queues["reports"].Lanes["urgent"] = new LaneOptions { MinPriority = 9, MaxPriority = 10 };
        });

        var reached = await SendEveryPriorityAsync(lanes, "reports");

        Assert.Equal(
            Enumerable.Range(1, 10).ToDictionary(p => p, p => p switch { >= 9 => "reports-urgent", >= 6 => "reports-high", _ => "reports" }),
            reached);
    }

    [Fact]
    public async Task AQueueWithoutLanes_KeepsItsSingleQueue()
    {
        var lanes = Lanes.Of(o =>
        {
            o.Queues["pdf"] = new QueueOptions { DefaultPriority = 5 };
            o.Queues["email"].Lanes["high"].Enabled = false;
        });

        Assert.Equal(Enumerable.Range(1, 10).ToDictionary(p => p, _ => "pdf"), await SendEveryPriorityAsync(lanes, "pdf"));
        _client.Senders.Clear();
        Assert.Equal(Enumerable.Range(1, 10).ToDictionary(p => p, _ => "email"), await SendEveryPriorityAsync(lanes, "email"));
    }

    [Fact]
    public void Lanes_MapBackToTheirQueue()
    {
        Assert.Equal("reports", Lanes.Seed.LogicalQueueOf("reports-high"));
        Assert.Equal("reports", Lanes.Seed.LogicalQueueOf("reports"));
        Assert.Equal("unknown-high", Lanes.Seed.LogicalQueueOf("unknown-high"));
        Assert.Equal(
            ["default-high", "default", "email-high", "email", "reports-high", "reports", "analytics-high", "analytics", "cleanup-high", "cleanup"],
            Lanes.Seed.BrokerQueues);
    }
}
