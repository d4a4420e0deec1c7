using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Xunit;

namespace Afirgen.TaskProcessor.Testing.BrokerContract;

/// <summary>
/// What every broker behind the engine's port must do, as one suite (Rebus's contract tests are the
/// model): derive from it once per broker (the embedded broker here; the Service Bus adapter and the
/// Redis transport later) and every test runs against that broker through the port alone.
/// </summary>
/// <remarks>
/// Time is the one thing a test cannot take from the port: a broker on a fake clock advances it, a real
/// broker waits (so give it short lock durations).
/// </remarks>
public abstract class BrokerContract : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private BrokerUnderTest? _broker;

    /// <summary>The broker under test, its settings, and how time passes for it.</summary>
    protected sealed record BrokerUnderTest(
        IMessageSender Sender,
        IMessageSource Source,
        IQueueStatisticsSource Statistics,
        IDeadLetterStore DeadLetters,
        Func<TimeSpan, Task> AdvanceAsync,
        Func<DateTimeOffset> Now,
        IAsyncDisposable? Owner);

    /// <summary>The queue settings every contract test uses.</summary>
    protected static BrokerQueueOptions Settings { get; } = new()
    {
        LockDuration = TimeSpan.FromSeconds(5),
        MaxDeliveryCount = 3,
        DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
    };

    /// <summary>Creates a broker with <see cref="Settings"/> and an empty <see cref="Queue"/>.</summary>
    protected abstract Task<BrokerUnderTest> CreateAsync(BrokerQueueOptions settings);

    /// <summary>A queue name for this test; a real broker may map it to a provisioned queue.</summary>
    protected virtual string Queue { get; } = "contract-" + Guid.NewGuid().ToString("N")[..8];

    private BrokerUnderTest Broker => _broker ?? throw new InvalidOperationException("The broker was not created.");

    public async Task InitializeAsync() => _broker = await CreateAsync(Settings);

    public async Task DisposeAsync()
    {
        if (_broker?.Owner is { } owner)
        {
            await owner.DisposeAsync();
        }
    }

    [Fact]
    public async Task Receive_DeliversTheBodyAndIds_OnFirstDelivery()
    {
        await SendAsync("m1", "hello");
        var delivery = await ReceiveOneAsync();
        Assert.Equal("m1", delivery.Message.MessageId);
        Assert.Equal("hello", Encoding.UTF8.GetString(delivery.Message.Body.Span));
        Assert.Equal(1, delivery.Message.DeliveryCount);
        Assert.True(delivery.Message.LockedUntil > delivery.Message.EnqueuedAt);
    }

    [Fact]
    public async Task Receive_ServesReadyMessagesInSendOrder()
    {
        foreach (var id in new[] { "a", "b", "c" })
        {
            await SendAsync(id);
        }
        var ids = new List<string>();
        while (ids.Count < 3)
        {
            var delivery = await ReceiveOneAsync();
            ids.Add(delivery.Message.MessageId);
            await delivery.Settlement.CompleteAsync(CancellationToken.None);
        }
        Assert.Equal(["a", "b", "c"], ids);
    }

    [Fact]
    public async Task Complete_RemovesTheMessage()
    {
        await SendAsync("m1");
        var delivery = await ReceiveOneAsync();
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 0), await StatisticsAsync());
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task Abandon_RedeliversTheMessage_WithTheDeliveryCountRaised()
    {
        await SendAsync("m1");
        var first = await ReceiveOneAsync();
        await first.Settlement.AbandonAsync(CancellationToken.None);
        var second = await ReceiveOneAsync();
        Assert.Equal("m1", second.Message.MessageId);
        Assert.Equal(2, second.Message.DeliveryCount);
    }

    [Fact]
    public async Task DeadLetter_TakesTheMessageOutOfTheQueue_AndCountsIt()
    {
        await SendAsync("m1");
        var delivery = await ReceiveOneAsync();
        await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "it failed", CancellationToken.None);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 1), await StatisticsAsync());
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task DeadLetters_AreListedWithTheirReason_AndReplayedAsFreshMessages()
    {
        await SendAsync("m1", """{"fir_id": "FIR-1"}""");
        var delivery = await ReceiveOneAsync();
        await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "it failed", CancellationToken.None);

        var dead = Assert.Single(await Broker.DeadLetters.GetDeadLettersAsync(Queue, 10, CancellationToken.None));
        Assert.Equal("m1", dead.MessageId);
        Assert.Equal(DeadLetterReasons.TaskFailed, dead.Reason);
        Assert.Equal("it failed", dead.Description);
        Assert.Equal("""{"fir_id": "FIR-1"}""", Encoding.UTF8.GetString(dead.Body.Span));

        Assert.Equal(1, await Broker.DeadLetters.ReplayDeadLettersAsync(Queue, null, CancellationToken.None));
        Assert.Empty(await Broker.DeadLetters.GetDeadLettersAsync(Queue, 10, CancellationToken.None));
        var replayed = await ReceiveOneAsync();
        Assert.Equal(1, replayed.Message.DeliveryCount);
        Assert.Equal("""{"fir_id": "FIR-1"}""", Encoding.UTF8.GetString(replayed.Message.Body.Span));
        await replayed.Settlement.CompleteAsync(CancellationToken.None);
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 0), await StatisticsAsync());
    }

    [Fact]
    public async Task DeadLetters_ArePurgedByIdOrAll()
    {
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            await SendAsync(id);
            var delivery = await ReceiveOneAsync();
            await delivery.Settlement.DeadLetterAsync(DeadLetterReasons.TaskFailed, "it failed", CancellationToken.None);
        }
        var m2 = (await Broker.DeadLetters.GetDeadLettersAsync(Queue, 10, CancellationToken.None)).Single(d => d.MessageId == "m2");

        Assert.Equal(1, await Broker.DeadLetters.PurgeDeadLettersAsync(Queue, [m2.MessageId], CancellationToken.None));
        Assert.Equal(["m1", "m3"], (await Broker.DeadLetters.GetDeadLettersAsync(Queue, 10, CancellationToken.None)).Select(d => d.MessageId).Order());
        Assert.Equal(2, await Broker.DeadLetters.PurgeDeadLettersAsync(Queue, null, CancellationToken.None));
        Assert.Empty(await Broker.DeadLetters.GetDeadLettersAsync(Queue, 10, CancellationToken.None));
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task LockExpiry_RedeliversTheMessage_AndTheOldDeliveryCanNoLongerSettle()
    {
        await SendAsync("m1");
        var first = await ReceiveOneAsync();
        await Broker.AdvanceAsync(Settings.LockDuration + TimeSpan.FromSeconds(1));

        var second = await ReceiveOneAsync();
        Assert.Equal(2, second.Message.DeliveryCount);
        await Assert.ThrowsAsync<MessageLockLostException>(() => first.Settlement.CompleteAsync(CancellationToken.None));
        await second.Settlement.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RenewLock_KeepsTheMessageLocked_PastItsFirstExpiry()
    {
        await SendAsync("m1");
        var delivery = await ReceiveOneAsync();
        for (var i = 0; i < 3; i++)
        {
            await Broker.AdvanceAsync(Settings.LockDuration * 0.6);
            var until = await delivery.Settlement.RenewLockAsync(CancellationToken.None);
            Assert.True(until > delivery.Message.LockedUntil);
        }
        await AssertNothingToReceiveAsync();
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task MaxDeliveryCount_DeadLettersAMessageThatKeepsComingBack()
    {
        await SendAsync("poison");
        for (var i = 0; i < Settings.MaxDeliveryCount; i++)
        {
            var delivery = await ReceiveOneAsync();
            await delivery.Settlement.AbandonAsync(CancellationToken.None);
        }
        Assert.Equal(new QueueStatistics(Queue, 0, 0, 0, 1), await StatisticsAsync());
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task Send_WithATimeInTheFuture_HoldsTheMessageUntilThen()
    {
        var due = Broker.Now() + TimeSpan.FromMinutes(30);
        await Broker.Sender.SendAsync(Queue, Message("later"), due, CancellationToken.None);
        Assert.Equal(1, (await StatisticsAsync()).Scheduled);
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task Send_DropsASecondMessageWithTheSameId_WithinTheWindow()
    {
        await SendAsync("same");
        await SendAsync("same");
        var delivery = await ReceiveOneAsync();
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
        await AssertNothingToReceiveAsync();
    }

    [Fact]
    public async Task Settle_Twice_IsRefused()
    {
        await SendAsync("m1");
        var delivery = await ReceiveOneAsync();
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
        await Assert.ThrowsAsync<MessageLockLostException>(() => delivery.Settlement.CompleteAsync(CancellationToken.None));
    }

    private static OutgoingMessage Message(string id, string body = "{}") =>
        new(id, id, "contract.task", 5, Encoding.UTF8.GetBytes(body));

    private Task SendAsync(string id, string body = "{}") => Broker.Sender.SendAsync(Queue, Message(id, body), null, CancellationToken.None);

    private async Task<ReceivedDelivery> ReceiveOneAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var batch = await Broker.Source.ReceiveAsync(Queue, 1, timeout.Token);
        Assert.True(batch.Count == 1, $"no message arrived on '{Queue}' within {Patience.TotalSeconds} s");
        return batch[0];
    }

    private async Task AssertNothingToReceiveAsync()
    {
        // A receive that finds nothing returns empty when cancelled (the port's contract).
        using var shortly = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var batch = await Broker.Source.ReceiveAsync(Queue, 1, shortly.Token);
        Assert.Empty(batch);
    }

    private async Task<QueueStatistics> StatisticsAsync() =>
        (await Broker.Statistics.GetStatisticsAsync([Queue], CancellationToken.None))[0];
}
