using System.Diagnostics;
using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using RedisTransport = Afirgen.TaskProcessor.RedisBroker.Transport.RedisBroker;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>
/// An idle receiver hears of a push from Redis's keyspace notifications instead of waiting for its next look; without
/// them it still finds the message, at that look, and the transport says once what that costs.
/// </summary>
public sealed class WakeUpTests
{
    private const string Queue = "wakeup";
    // Long enough that the receiver's back-off (1 ms doubling) has reached about a second between looks before the push.
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2.5);
    // Far inside the gap to the next look (at least ~1.6 s after the push by then), far above a wake-up's cost.
    private static readonly TimeSpan WellBeforeTheNextLook = TimeSpan.FromMilliseconds(700);

    [Fact]
    public async Task AnIdleReceiver_TakesAPushedMessageAtOnce_WithKeyspaceNotifications_AndAtItsNextLookWithout()
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        var config = admin.GetServer(admin.GetEndPoints()[0]);

        await config.ConfigSetAsync("notify-keyspace-events", "Klg");
        var woken = await PushToAnIdleReceiverAsync(server, admin);
        Assert.True(woken < WellBeforeTheNextLook, $"with notifications the idle receiver took the message {woken.TotalMilliseconds:0} ms after the push");

        // The same without notifications: found, but only at the next look.
        await config.ConfigSetAsync("notify-keyspace-events", "");
        var polled = await PushToAnIdleReceiverAsync(server, admin);
        Assert.True(polled >= WellBeforeTheNextLook, $"without notifications the receiver took the message {polled.TotalMilliseconds:0} ms after the push: the test no longer tells the two apart");
    }

    [Fact]
    public async Task ARedisWithoutKeyspaceNotifications_IsReportedOnce_WithWhatItCostsAndHowToTurnThemOn()
    {
        await using var server = await RedisServer.StartAsync();
        var logger = new FakeLogger<RedisTransport>();
        await using (var broker = Create(server, TestBrokers.FreshPrefix(), logger))
        {
            for (var i = 0; i < 3; i++)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
                Assert.Empty(await broker.ReceiveAsync(Queue, 1, quick.Token));
            }
            await WaitForAsync(() => logger.Collector.GetSnapshot().Any(r => r.Id.Id == 2106));
        }
        var said = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2106);
        Assert.Contains("sends no keyspace notifications", said.Message);
        Assert.Contains("notify-keyspace-events", said.Message);

        // With them on, nothing is said.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).ConfigSetAsync("notify-keyspace-events", "Kl");
        var quiet = new FakeLogger<RedisTransport>();
        await using (var broker = Create(server, TestBrokers.FreshPrefix(), quiet))
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
            Assert.Empty(await broker.ReceiveAsync(Queue, 1, quick.Token));
            // The probe's answer (its notification) comes within its second; give it that and more.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        Assert.DoesNotContain(quiet.Collector.GetSnapshot(), r => r.Id.Id == 2106);
    }

    /// <summary>How long after a kombu producer's LPUSH an idle receiver returned the message.</summary>
    private static async Task<TimeSpan> PushToAnIdleReceiverAsync(RedisServer server, ConnectionMultiplexer connection)
    {
        var prefix = TestBrokers.FreshPrefix();
        await using var broker = Create(server, prefix, logger: null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var receiving = broker.ReceiveAsync(Queue, 1, timeout.Token).AsTask();
        await Task.Delay(Idle);
        Assert.False(receiving.IsCompleted);

        // What Celery's producer does: one LPUSH of its envelope onto the queue's list.
        var id = Guid.NewGuid().ToString();
        var pushed = Stopwatch.StartNew();
        await connection.GetDatabase(1).ListLeftPushAsync(prefix + Queue, Envelope(id));
        var delivery = Assert.Single(await receiving);
        var after = pushed.Elapsed;
        Assert.Equal(id, delivery.Message.MessageId);
        await delivery.Settlement.CompleteAsync(CancellationToken.None);
        return after;
    }

    private static RedisTransport Create(RedisServer server, string prefix, ILogger<RedisTransport>? logger) =>
        new(Options.Create(new RedisBrokerOptions
        {
            Url = server.Url(1),
            GlobalKeyPrefix = prefix,
            // Looks stay far apart, so a prompt pick-up can only come from a notification.
            MaxPollInterval = TimeSpan.FromMinutes(1),
        }), Options.Create(new BrokerQueueOptions()), TimeProvider.System,
            logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisTransport>.Instance);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var waited = Stopwatch.StartNew(); !condition(); await Task.Delay(50))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the transport said nothing about keyspace notifications within 10 s");
        }
    }

    private static string Envelope(string taskId) => TestBrokers.CeleryEnvelope(taskId, Queue, Guid.NewGuid().ToString());
}
