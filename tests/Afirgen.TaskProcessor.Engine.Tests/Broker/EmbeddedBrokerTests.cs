using System.Collections.Concurrent;
using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Broker;

public sealed class EmbeddedBrokerTests : IDisposable
{
    private const string Queue = "email";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LockDuration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DuplicateDetectionWindow = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly List<EmbeddedBroker> _brokers = [];
    private readonly EmbeddedBroker _broker;

    public EmbeddedBrokerTests() => _broker = CreateBroker();

    public void Dispose()
    {
        foreach (var broker in _brokers)
        {
            broker.Dispose();
        }
    }

    [Fact]
    public async Task Receive_ReturnsMessagesInSendOrder()
    {
        await SendAsync("a");
        await SendAsync("b");
        await SendAsync("c");

        var deliveries = await ReceiveAsync(maxMessages: 10);

        Assert.Equal(["a", "b", "c"], deliveries.Select(d => d.Message.MessageId));
    }

    [Fact]
    public async Task Receive_ReturnsAtMostMaxMessages()
    {
        await SendAsync("a");
        await SendAsync("b");
        await SendAsync("c");

        var first = await ReceiveAsync(maxMessages: 2);
        var second = await ReceiveAsync(maxMessages: 2);

        Assert.Equal(["a", "b"], first.Select(d => d.Message.MessageId));
        Assert.Equal(["c"], second.Select(d => d.Message.MessageId));
    }

    [Fact]
    public async Task Receive_DescribesFirstDelivery()
    {
        var sentAt = _clock.GetUtcNow();
        await SendAsync("a");
        _clock.Advance(TimeSpan.FromSeconds(5));

        var message = (await ReceiveOneAsync()).Message;

        Assert.Equal(Queue, message.Queue);
        Assert.Equal("a", message.MessageId);
        Assert.Equal("body of a", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal(1, message.DeliveryCount);
        Assert.Equal(sentAt, message.EnqueuedAt);
        Assert.Equal(_clock.GetUtcNow() + LockDuration, message.LockedUntil);
    }

    [Fact]
    public async Task Receive_DoesNotReturnMessagesOfAnotherQueue()
    {
        await _broker.SendAsync("reports", Message("r"), null, CancellationToken.None);

        var pending = _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask();
        await SendAsync("e");

        Assert.Equal("e", Assert.Single(await pending.WaitAsync(Patience)).Message.MessageId);
        Assert.Equal(1, (await StatisticsAsync("reports")).Waiting);
    }

    [Fact]
    public async Task Receive_TreatsQueueNamesCaseInsensitively_LikeServiceBus()
    {
        await _broker.SendAsync("EMAIL", Message("a"), null, CancellationToken.None);

        var delivery = await ReceiveOneAsync();

        Assert.Equal("a", delivery.Message.MessageId);
        Assert.Equal("EMAIL", delivery.Message.Queue);
    }

    [Fact]
    public async Task Receive_HandsEachMessageToExactlyOneReceiver_WhenManyReceiversWait()
    {
        const int Messages = 1_000;
        var seen = new ConcurrentDictionary<string, int>();
        var remaining = Messages;
        using var stop = new CancellationTokenSource();

        async Task ReceiveUntilAllSeenAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var delivery in await _broker.ReceiveAsync(Queue, 8, stop.Token))
                {
                    seen.AddOrUpdate(delivery.Message.MessageId, 1, (_, count) => count + 1);
                    await delivery.Settlement.CompleteAsync(CancellationToken.None);
                    if (Interlocked.Decrement(ref remaining) == 0)
                    {
                        await stop.CancelAsync();
                    }
                }
            }
        }

        var receivers = Enumerable.Range(0, 4).Select(_ => Task.Run(ReceiveUntilAllSeenAsync)).ToArray();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                await SendAsync($"m{i}");
            }
        });
        await Task.WhenAll([sender, .. receivers]).WaitAsync(Patience);

        Assert.Equal(Messages, seen.Count);
        Assert.All(seen.Values, count => Assert.Equal(1, count));
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Receive_Waits_UntilMessageIsSent()
    {
        var pending = _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);

        await SendAsync("a");

        Assert.Equal("a", Assert.Single(await pending.WaitAsync(Patience)).Message.MessageId);
    }

    [Fact]
    public async Task Receive_ReturnsEmpty_WhenCancelledWhileWaiting()
    {
        using var cancel = new CancellationTokenSource();
        var pending = _broker.ReceiveAsync(Queue, 1, cancel.Token).AsTask();

        await cancel.CancelAsync();

        Assert.Empty(await pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task Receive_LeavesLaterMessagesForOthers_WhenCancelledWhileWaiting()
    {
        using var cancel = new CancellationTokenSource();
        var cancelled = _broker.ReceiveAsync(Queue, 1, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await cancelled.WaitAsync(Patience);

        await SendAsync("a");

        Assert.Equal(1, (await StatisticsAsync()).Waiting);
        Assert.Equal("a", (await ReceiveOneAsync()).Message.MessageId);
    }

    [Fact]
    public async Task Receive_ReturnsEmpty_WhenTokenAlreadyCancelled()
    {
        await SendAsync("a");

        var deliveries = await _broker.ReceiveAsync(Queue, 1, new CancellationToken(canceled: true)).AsTask().WaitAsync(Patience);

        Assert.Empty(deliveries);
        Assert.Equal(1, (await StatisticsAsync()).Waiting);
    }

    [Fact]
    public async Task Send_DropsDuplicate_WithinDetectionWindow()
    {
        await SendAsync("a");
        _clock.Advance(DuplicateDetectionWindow - TimeSpan.FromSeconds(1));

        await SendAsync("a");

        Assert.Equal(1, (await StatisticsAsync()).Waiting);
    }

    [Fact]
    public async Task Send_DropsDuplicate_EvenAfterFirstWasCompleted()
    {
        await SendAsync("a");
        await (await ReceiveOneAsync()).Settlement.CompleteAsync(CancellationToken.None);

        await SendAsync("a");

        Assert.Equal(0, (await StatisticsAsync()).Waiting);
    }

    [Fact]
    public async Task Send_AcceptsSameMessageId_AfterDetectionWindow()
    {
        await SendAsync("a");
        _clock.Advance(DuplicateDetectionWindow);

        await SendAsync("a");

        Assert.Equal(2, (await StatisticsAsync()).Waiting);
    }

    [Fact]
    public async Task Send_AcceptsEveryMessage_WhenDetectionWindowIsZero()
    {
        var broker = CreateBroker(duplicateDetectionWindow: TimeSpan.Zero);

        await broker.SendAsync(Queue, Message("a"), null, CancellationToken.None);
        await broker.SendAsync(Queue, Message("a"), null, CancellationToken.None);

        Assert.Equal(2, (await StatisticsAsync(Queue, broker)).Waiting);
    }

    [Fact]
    public async Task Send_HoldsScheduledMessage_UntilDue()
    {
        var dueAt = _clock.GetUtcNow().AddMinutes(5);
        await SendAsync("a", notBefore: dueAt);
        var pending = _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask();

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(new QueueStatistics(Queue, 0, 1, 0, 0), await StatisticsAsync());
        Assert.False(pending.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var message = Assert.Single(await pending.WaitAsync(Patience)).Message;

        Assert.Equal("a", message.MessageId);
        Assert.Equal(dueAt, message.EnqueuedAt);
        Assert.Equal(1, message.DeliveryCount);
    }

    [Fact]
    public async Task Send_ReleasesScheduledMessagesInDueOrder()
    {
        var now = _clock.GetUtcNow();
        await SendAsync("later", notBefore: now.AddMinutes(2));
        await SendAsync("sooner", notBefore: now.AddMinutes(1));

        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(["sooner", "later"], (await ReceiveAsync(maxMessages: 10)).Select(d => d.Message.MessageId));
    }

    [Fact]
    public async Task Send_MakesMessageReadyAtOnce_WhenNotBeforeHasPassed()
    {
        await SendAsync("a", notBefore: _clock.GetUtcNow().AddSeconds(-1));

        Assert.Equal(new QueueStatistics(Queue, 1, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Complete_RemovesMessage()
    {
        await SendAsync("a");
        var delivery = await ReceiveOneAsync();

        await delivery.Settlement.CompleteAsync(CancellationToken.None);
        _clock.Advance(LockDuration * 2);

        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Abandon_MakesMessageReadyAgain_WithDeliveryCountIncremented()
    {
        await SendAsync("a");
        var first = await ReceiveOneAsync();

        await first.Settlement.AbandonAsync(CancellationToken.None);
        var second = await ReceiveOneAsync();

        Assert.Equal("a", second.Message.MessageId);
        Assert.Equal(2, second.Message.DeliveryCount);
        Assert.Equal(first.Message.EnqueuedAt, second.Message.EnqueuedAt);
    }

    [Fact]
    public async Task DeadLetter_MovesMessageToDeadLetters_WithReasonAndDescription()
    {
        var sentAt = _clock.GetUtcNow();
        await SendAsync("a");
        var delivery = await ReceiveOneAsync();
        _clock.Advance(TimeSpan.FromSeconds(3));

        await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.UnknownTask, "no handler for x", CancellationToken.None);

        var deadLetter = Assert.Single(await _broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None));
        Assert.Equal(Queue, deadLetter.Queue);
        Assert.Equal("a", deadLetter.MessageId);
        Assert.Equal("task-a", deadLetter.TaskId);
        Assert.Equal("afirgen_tasks.email.send", deadLetter.TaskName);
        Assert.Equal("body of a", Encoding.UTF8.GetString(deadLetter.Body.Span));
        Assert.Equal(DeadLetterReasons.UnknownTask, deadLetter.Reason);
        Assert.Equal("no handler for x", deadLetter.Description);
        Assert.Equal(1, deadLetter.DeliveryCount);
        Assert.Equal(sentAt, deadLetter.EnqueuedAt);
        Assert.Equal(_clock.GetUtcNow(), deadLetter.DeadLetteredAt);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 1), await StatisticsAsync());
    }

    [Fact]
    public async Task Complete_Throws_WhenLockExpired()
    {
        await SendAsync("a");
        var delivery = await ReceiveOneAsync();

        _clock.Advance(LockDuration);

        var lost = await Assert.ThrowsAsync<MessageLockLostException>(
            () => delivery.Settlement.CompleteAsync(CancellationToken.None));
        Assert.Equal("a", lost.MessageId);
        Assert.Equal(Queue, lost.Queue);
    }

    [Fact]
    public async Task Settle_Throws_WhenLockExpired_ForEverySettlement()
    {
        await SendAsync("a");
        var settlement = (await ReceiveOneAsync()).Settlement;

        _clock.Advance(LockDuration);

        await Assert.ThrowsAsync<MessageLockLostException>(() => settlement.AbandonAsync(CancellationToken.None));
        await Assert.ThrowsAsync<MessageLockLostException>(
            () => settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "boom", CancellationToken.None));
        await Assert.ThrowsAsync<MessageLockLostException>(() => settlement.RenewLockAsync(CancellationToken.None));
        Assert.Equal(new QueueStatistics(Queue, 1, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Settle_Throws_WhenAlreadySettled()
    {
        await SendAsync("a");
        var settlement = (await ReceiveOneAsync()).Settlement;
        await settlement.CompleteAsync(CancellationToken.None);

        await Assert.ThrowsAsync<MessageLockLostException>(() => settlement.CompleteAsync(CancellationToken.None));
        await Assert.ThrowsAsync<MessageLockLostException>(() => settlement.AbandonAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Settle_Throws_ForEarlierDelivery_AfterRedelivery()
    {
        await SendAsync("a");
        var first = await ReceiveOneAsync();
        await first.Settlement.AbandonAsync(CancellationToken.None);
        var second = await ReceiveOneAsync();

        await Assert.ThrowsAsync<MessageLockLostException>(() => first.Settlement.CompleteAsync(CancellationToken.None));
        await second.Settlement.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Receive_RedeliversMessage_WhenLockExpires()
    {
        await SendAsync("a");
        await ReceiveOneAsync();
        var pending = _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask();

        _clock.Advance(LockDuration - TimeSpan.FromMilliseconds(1));
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 1, 0), await StatisticsAsync());

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var redelivered = Assert.Single(await pending.WaitAsync(Patience)).Message;

        Assert.Equal("a", redelivered.MessageId);
        Assert.Equal(2, redelivered.DeliveryCount);
    }

    [Fact]
    public async Task RenewLock_KeepsMessageLocked_PastOriginalExpiry()
    {
        await SendAsync("a");
        var delivery = await ReceiveOneAsync();
        _clock.Advance(TimeSpan.FromSeconds(20));

        var lockedUntil = await delivery.Settlement.RenewLockAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(_clock.GetUtcNow() - TimeSpan.FromSeconds(20) + LockDuration, lockedUntil);
        Assert.True(lockedUntil > delivery.Message.LockedUntil);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 1, 0), await StatisticsAsync());
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RenewLock_ExpiresAtRenewedTime()
    {
        await SendAsync("a");
        var delivery = await ReceiveOneAsync();
        _clock.Advance(TimeSpan.FromSeconds(20));
        await delivery.Settlement.RenewLockAsync(CancellationToken.None);

        _clock.Advance(LockDuration);

        Assert.Equal(new QueueStatistics(Queue, 1, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Abandon_DeadLettersMessage_WhenMaxDeliveryCountReached()
    {
        var broker = CreateBroker(maxDeliveryCount: 3);
        await broker.SendAsync(Queue, Message("a"), null, CancellationToken.None);

        for (var delivery = 1; delivery <= 3; delivery++)
        {
            var received = Assert.Single(await ReceiveAsync(1, broker));
            Assert.Equal(delivery, received.Message.DeliveryCount);
            await received.Settlement.AbandonAsync(CancellationToken.None);
        }

        var deadLetter = Assert.Single(await broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None));
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, deadLetter.Reason);
        Assert.Equal(3, deadLetter.DeliveryCount);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 1), await StatisticsAsync(Queue, broker));
    }

    [Fact]
    public async Task LockExpiry_DeadLettersMessage_WhenMaxDeliveryCountReached()
    {
        var broker = CreateBroker(maxDeliveryCount: 2);
        await broker.SendAsync(Queue, Message("a"), null, CancellationToken.None);

        Assert.Single(await ReceiveAsync(1, broker));
        _clock.Advance(LockDuration);
        Assert.Equal(2, Assert.Single(await ReceiveAsync(1, broker)).Message.DeliveryCount);
        _clock.Advance(LockDuration);

        var deadLetter = Assert.Single(await broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None));
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, deadLetter.Reason);
        Assert.Equal(2, deadLetter.DeliveryCount);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 1), await StatisticsAsync(Queue, broker));
    }

    [Fact]
    public async Task GetStatistics_CountsWaitingScheduledInFlightAndDeadLettered()
    {
        for (var i = 0; i < 4; i++)
        {
            await SendAsync($"waiting-or-locked-{i}");
        }

        await SendAsync("scheduled-1", notBefore: _clock.GetUtcNow().AddHours(1));
        await SendAsync("scheduled-2", notBefore: _clock.GetUtcNow().AddHours(2));
        await SendAsync("scheduled-3", notBefore: _clock.GetUtcNow().AddHours(3));
        var locked = await ReceiveAsync(maxMessages: 2);
        await locked[0].Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "boom", CancellationToken.None);
        await SendAsync("waiting-5");

        var statistics = await _broker.GetStatisticsAsync([Queue, "never-used"], CancellationToken.None);

        Assert.Equal(
            [new QueueStatistics(Queue, Waiting: 3, Scheduled: 3, InFlight: 1, DeadLettered: 1), new QueueStatistics("never-used", 0, 0, 0, 0)],
            statistics);
    }

    [Fact]
    public async Task ReplayDeadLetters_ReturnsMessageToQueue_AsFreshMessage()
    {
        await SendAsync("a");
        await (await ReceiveOneAsync()).Settlement.AbandonAsync(CancellationToken.None);
        await (await ReceiveOneAsync()).Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "boom", CancellationToken.None);

        var replayed = await _broker.ReplayDeadLettersAsync(Queue, null, CancellationToken.None);
        var delivery = await ReceiveOneAsync();

        Assert.Equal(1, replayed);
        Assert.Equal("a", delivery.Message.MessageId);
        Assert.Equal("body of a", Encoding.UTF8.GetString(delivery.Message.Body.Span));
        Assert.Equal(1, delivery.Message.DeliveryCount);
        Assert.Empty(await _broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None));
    }

    [Fact]
    public async Task ReplayDeadLetters_ReplaysOnlyChosenMessages()
    {
        await SendAsync("a");
        await SendAsync("b");
        foreach (var delivery in await ReceiveAsync(maxMessages: 2))
        {
            await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "boom", CancellationToken.None);
        }

        var replayed = await _broker.ReplayDeadLettersAsync(Queue, ["b"], CancellationToken.None);

        Assert.Equal(1, replayed);
        Assert.Equal("a", Assert.Single(await _broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None)).MessageId);
        Assert.Equal("b", (await ReceiveOneAsync()).Message.MessageId);
    }

    [Fact]
    public async Task PurgeDeadLetters_DeletesChosenMessages()
    {
        await SendAsync("a");
        await SendAsync("b");
        await SendAsync("c");
        foreach (var delivery in await ReceiveAsync(maxMessages: 3))
        {
            await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "boom", CancellationToken.None);
        }

        var purgedB = await _broker.PurgeDeadLettersAsync(Queue, ["b"], CancellationToken.None);
        var remaining = await _broker.GetDeadLettersAsync(Queue, 100, CancellationToken.None);
        var purgedRest = await _broker.PurgeDeadLettersAsync(Queue, null, CancellationToken.None);

        Assert.Equal(1, purgedB);
        Assert.Equal(["a", "c"], remaining.Select(d => d.MessageId));
        Assert.Equal(2, purgedRest);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task Dispose_ReleasesWaitingReceivers()
    {
        var pending = _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask();

        _broker.Dispose();

        Assert.Empty(await pending.WaitAsync(Patience));
        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => _broker.ReceiveAsync(Queue, 1, CancellationToken.None).AsTask());
    }

    private EmbeddedBroker CreateBroker(int maxDeliveryCount = 10, TimeSpan? duplicateDetectionWindow = null)
    {
        var broker = new EmbeddedBroker(
            Options.Create(new BrokerQueueOptions
            {
                LockDuration = LockDuration,
                MaxDeliveryCount = maxDeliveryCount,
                DuplicateDetectionWindow = duplicateDetectionWindow ?? DuplicateDetectionWindow,
            }),
            _clock);
        _brokers.Add(broker);
        return broker;
    }

    private static OutgoingMessage Message(string id) =>
        new(id, $"task-{id}", "afirgen_tasks.email.send", 3, Encoding.UTF8.GetBytes($"body of {id}"));

    private Task SendAsync(string id, DateTimeOffset? notBefore = null) =>
        _broker.SendAsync(Queue, Message(id), notBefore, CancellationToken.None);

    private Task<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(int maxMessages) => ReceiveAsync(maxMessages, _broker);

    private static async Task<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(int maxMessages, EmbeddedBroker broker) =>
        await broker.ReceiveAsync(Queue, maxMessages, CancellationToken.None).AsTask().WaitAsync(Patience);

    private async Task<ReceivedDelivery> ReceiveOneAsync() => Assert.Single(await ReceiveAsync(maxMessages: 1));

    private Task<QueueStatistics> StatisticsAsync(string queue = Queue) => StatisticsAsync(queue, _broker);

    private static async Task<QueueStatistics> StatisticsAsync(string queue, EmbeddedBroker broker) =>
        Assert.Single(await broker.GetStatisticsAsync([queue], CancellationToken.None));
}
