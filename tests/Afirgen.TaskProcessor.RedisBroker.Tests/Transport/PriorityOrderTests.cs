using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>The order the transport serves a queue's priority lists in, for each <see cref="PriorityOrder"/>.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class PriorityOrderTests(RedisFixture redis)
{
    private const string Queue = "ordered";

    [Theory]
    // Priorities 1–2 share kombu's step 0, 3–5 step 3, 6–8 step 6, 9–10 step 9; FIFO within a step.
    [InlineData(PriorityOrder.HighestFirst, new[] { "p10", "p7", "p4", "p1", "p2" })]
    [InlineData(PriorityOrder.KombuLowestFirst, new[] { "p1", "p2", "p4", "p7", "p10" })]
    public async Task ServesThePriorityLists_InTheConfiguredOrder(PriorityOrder order, string[] expected)
    {
        await using var broker = TestBrokers.Create(redis.Server, TestBrokers.FreshPrefix(), configure: o => o.PriorityOrder = order);
        foreach (var priority in new[] { 1, 10, 4, 2, 7 })
        {
            await broker.SendAsync(Queue, new OutgoingMessage($"p{priority}", $"task-{priority}", "diagnostics.echo", priority, Encoding.UTF8.GetBytes("{}")),
                null, CancellationToken.None);
        }

        var served = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (served.Count < expected.Length)
        {
            foreach (var delivery in await broker.ReceiveAsync(Queue, 1, timeout.Token))
            {
                served.Add(delivery.Message.MessageId);
                await delivery.Settlement.CompleteAsync(CancellationToken.None);
            }
            Assert.False(timeout.IsCancellationRequested, $"only {served.Count} of {expected.Length} messages arrived");
        }
        Assert.Equal(expected, served);
    }
}
