using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.ServiceBus.DeadLetters;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.DeadLetters;

/// <summary>Browse, replay and purge through the dead-letter sub-queue (the SDK's receiver and sender faked).</summary>
public sealed class ServiceBusDeadLetterStoreTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Queue = "email";
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly ServiceBusMessageSender _sender;
    private readonly ServiceBusDeadLetterStore _store;

    public ServiceBusDeadLetterStoreTests()
    {
        _sender = new ServiceBusMessageSender(_client, _time, Lanes.Seed);
        _store = new ServiceBusDeadLetterStore(_client, _sender, new CeleryMessageParser(Options.Create(new MessageOptions())), _time,
            Options.Create(new BrokerQueueOptions { DuplicateDetectionWindow = TimeSpan.FromMinutes(10) }), Lanes.Seed);
    }

    private FakeDeadLetterQueue DeadLetters => _client.DeadLetterQueues.GetOrAdd(Queue, _ => new FakeDeadLetterQueue());

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes a test class through IAsyncLifetime, never IAsyncDisposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync();
        await _client.DisposeAsync();
    }

    /// <summary>A message our sender wrote and our settlement dead-lettered.</summary>
    private static ServiceBusReceivedMessage Ours(long sequence, string id, DateTimeOffset enqueued, string reason = DeadLetterReasons.TaskFailed) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{\"envelope\":" + sequence + "}"), messageId: id, correlationId: "task-" + id,
            subject: "afirgen_tasks.email.notify", contentType: "application/json", deliveryCount: 2,
            enqueuedTime: enqueued, sequenceNumber: sequence,
            properties: new Dictionary<string, object>
            {
                [ServiceBusPropertyNames.TaskName] = "afirgen_tasks.email.notify",
                [ServiceBusPropertyNames.Priority] = 3,
                [ServiceBusPropertyNames.DeadLetteredAt] = enqueued.AddMinutes(1),
                ["DeadLetterReason"] = reason,
                ["DeadLetterErrorDescription"] = "SMTP refused the recipient",
            });

    [Fact]
    public async Task Browse_ShowsEachDeadLetter_FromOurPropertiesOrTheEnvelope_OldestFirst()
    {
        var celery = WireSamples();
        DeadLetters.Add(Ours(5, "m5", Now.AddHours(-1)));
        DeadLetters.Add(ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromBytes(celery), messageId: "kombu-1", deliveryCount: 10, enqueuedTime: Now.AddHours(-2), sequenceNumber: 9,
            properties: new Dictionary<string, object> { ["DeadLetterReason"] = "MaxDeliveryCountExceeded" }));

        var found = await _store.GetDeadLettersAsync(Queue, 10, CancellationToken.None);

        Assert.Equal([5L, 9L], found.Select(d => d.SequenceNumber));
        var ours = found[0];
        Assert.Equal(("m5", "task-m5", "afirgen_tasks.email.notify", 3), (ours.MessageId, ours.TaskId, ours.TaskName, ours.Priority));
        Assert.Equal((DeadLetterReasons.TaskFailed, "SMTP refused the recipient", 2), (ours.Reason, ours.Description, ours.DeliveryCount));
        Assert.Equal((Now.AddHours(-1), Now.AddHours(-1).AddMinutes(1)), (ours.EnqueuedAt, ours.DeadLetteredAt));
        var kombus = found[1];
        Assert.Equal("2021bb9b-6d64-4e4d-8388-ceadefbaef25", kombus.TaskId);
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", kombus.TaskName);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, kombus.Reason);
        Assert.Equal(Now.AddHours(-2), kombus.DeadLetteredAt); // the broker dead-lettered it: no stamp
        Assert.Empty(DeadLetters.Locked); // peeking locks nothing
    }

    [Fact]
    public async Task Browse_PagesThroughTheQueue_UpToTheMaximum()
    {
        for (var i = 1; i <= 250; i++)
        {
            DeadLetters.Add(Ours(i, "m" + i, Now.AddHours(-1)));
        }
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), (await _store.GetDeadLettersAsync(Queue, 120, CancellationToken.None)).Select(d => d.SequenceNumber));
        Assert.Equal(250, (await _store.GetDeadLettersAsync(Queue, 1000, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Replay_ResendsToTheQueue_WithoutTheDeadLetterMarks_ThenCompletes()
    {
        DeadLetters.Add(Ours(1, "old", Now.AddHours(-1)));
        DeadLetters.Add(Ours(2, "recent", Now.AddMinutes(-3)));

        Assert.Equal(2, await _store.ReplayDeadLettersAsync(Queue, null, CancellationToken.None));

        Assert.Empty(DeadLetters.Remaining);
        var sent = _client.SenderFor(Queue).Sent.OrderBy(m => m.MessageId).ToList();
        // Older than the duplicate-detection window: the same id. Within it: a derived id Service Bus will not drop.
        Assert.Equal(["old", "recent.replay-2"], sent.Select(m => m.MessageId));
        Assert.All(sent, m =>
        {
            Assert.StartsWith("{\"envelope\":", m.Body.ToString());
            Assert.Equal("afirgen_tasks.email.notify", m.Subject);
            Assert.Equal(3, m.ApplicationProperties[ServiceBusPropertyNames.Priority]);
            Assert.False(m.ApplicationProperties.ContainsKey("DeadLetterReason"));
            Assert.False(m.ApplicationProperties.ContainsKey("DeadLetterErrorDescription"));
            Assert.False(m.ApplicationProperties.ContainsKey(ServiceBusPropertyNames.DeadLetteredAt));
        });
        Assert.Equal(["task-old", "task-recent"], sent.Select(m => m.CorrelationId));
    }

    [Fact]
    public async Task Replay_OfChosenIds_LeavesTheOthersInTheDeadLetterQueue_Unlocked()
    {
        for (var i = 1; i <= 5; i++)
        {
            DeadLetters.Add(Ours(i, "m" + i, Now.AddHours(-1)));
        }

        Assert.Equal(2, await _store.ReplayDeadLettersAsync(Queue, ["m2", "m4", "absent"], CancellationToken.None));

        Assert.Equal(["m2", "m4"], _client.SenderFor(Queue).Sent.Select(m => m.MessageId).Order());
        Assert.Equal([1L, 3L, 5L], DeadLetters.Remaining);
        Assert.Empty(DeadLetters.Locked);
        Assert.Equal([1L, 3L, 5L], DeadLetters.Abandoned.Order());
    }

    [Fact]
    public async Task Replay_WhenTheSendFails_CompletesNothing()
    {
        DeadLetters.Add(Ours(1, "m1", Now.AddHours(-1)));
        _client.SenderFor(Queue).FailNext = new ServiceBusException("not authorized", ServiceBusFailureReason.GeneralError);

        await Assert.ThrowsAsync<ServiceBusException>(() => _store.ReplayDeadLettersAsync(Queue, null, CancellationToken.None));

        Assert.Equal([1L], DeadLetters.Remaining);
    }

    [Fact]
    public async Task Purge_DeletesTheChosenDeadLetters_AndSendsNothing()
    {
        for (var i = 1; i <= 3; i++)
        {
            DeadLetters.Add(Ours(i, "m" + i, Now.AddHours(-1)));
        }

        Assert.Equal(1, await _store.PurgeDeadLettersAsync(Queue, ["m2"], CancellationToken.None));
        Assert.Equal([1L, 3L], DeadLetters.Remaining);
        Assert.Equal(2, await _store.PurgeDeadLettersAsync(Queue, null, CancellationToken.None));
        Assert.Empty(DeadLetters.Remaining);
        Assert.Empty(_client.SenderFor(Queue).Sent);
    }

    [Fact]
    public async Task AQueuesDeadLetters_AreEveryLanes_EachShownWithItsLane()
    {
        _client.DeadLetterQueues.GetOrAdd("email-high", _ => new FakeDeadLetterQueue()).Add(Ours(7, "urgent", Now.AddHours(-1)));
        DeadLetters.Add(Ours(3, "routine", Now.AddHours(-1)));

        var found = await _store.GetDeadLettersAsync(Queue, 10, CancellationToken.None);
        var lane = await _store.GetDeadLettersAsync("email-high", 10, CancellationToken.None);

        Assert.Equal([("email-high", "urgent"), ("email", "routine")], found.Select(d => (d.Queue, d.MessageId)));
        Assert.Equal([("email-high", "urgent")], lane.Select(d => (d.Queue, d.MessageId)));
    }

    [Fact]
    public async Task Replay_OfALane_SendsItsDeadLettersBackToThatLaneOnly()
    {
        var high = _client.DeadLetterQueues.GetOrAdd("email-high", _ => new FakeDeadLetterQueue());
        high.Add(Ours(7, "urgent", Now.AddHours(-1)));
        DeadLetters.Add(Ours(3, "routine", Now.AddHours(-1)));

        Assert.Equal(1, await _store.ReplayDeadLettersAsync("email-high", null, CancellationToken.None));

        Assert.Equal(["urgent"], _client.SenderFor("email-high").Sent.Select(m => m.MessageId));
        Assert.Empty(_client.SenderFor(Queue).Sent);
        Assert.Equal([3L], DeadLetters.Remaining);

        // Replaying the queue takes every lane's, each back to its own lane (the priority property says 3 for both:
        // the lane is where it was dead-lettered, not recomputed).
        high.Add(Ours(8, "urgent-2", Now.AddHours(-1)));
        Assert.Equal(2, await _store.ReplayDeadLettersAsync(Queue, null, CancellationToken.None));
        Assert.Equal(["urgent", "urgent-2"], _client.SenderFor("email-high").Sent.Select(m => m.MessageId));
        Assert.Equal(["routine"], _client.SenderFor(Queue).Sent.Select(m => m.MessageId));
    }

    /// <summary>A message exactly as kombu put it on a queue (Celery 5.2.6): no application properties.</summary>
    private static byte[] WireSamples() => Afirgen.TaskProcessor.Testing.WireSamples.Read("01-email-basic.json");
}
