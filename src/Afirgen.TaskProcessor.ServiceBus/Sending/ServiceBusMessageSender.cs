using System.Collections.Concurrent;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Sending;

/// <summary>
/// The engine's send port on Service Bus: one <see cref="ServiceBusSender"/> per queue, created once and
/// kept (senders are thread-safe and hold an AMQP link). Messages due now go out batched
/// (<see cref="QueueSendBatcher"/>); messages with a future time (ETA, retry back-off) are scheduled on the
/// broker with <see cref="ServiceBusSender.ScheduleMessageAsync"/>, so no worker holds them in memory.
/// </summary>
/// <remarks>
/// Service Bus has no message priority, so a queue with priority lanes is several Service Bus queues: a message
/// goes to the lane its priority falls in (<see cref="QueueLanes.QueueFor"/>, <c>reports-high</c> for 7–10 by
/// default). Everything the engine sends goes through here with the logical queue and the resolved priority, so
/// retries, ETA messages, children and chain links land in their priority's lane like the first send.
/// </remarks>
public sealed class ServiceBusMessageSender(ServiceBusClient client, TimeProvider time, QueueLanes lanes) : IMessageSender, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Queue>> _queues = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task SendAsync(string queue, OutgoingMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(lanes.QueueFor(queue, message.Priority), ServiceBusMessages.From(message), notBefore, cancellationToken);
    }

    /// <summary>
    /// Sends an already built Service Bus message to the Service Bus queue <paramref name="queue"/> as named, a lane
    /// queue included (dead-letter replay keeps the original's properties and lane).
    /// </summary>
    internal Task SendAsync(string queue, ServiceBusMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        var target = _queues.GetOrAdd(queue, static (name, c) => new Lazy<Queue>(() => new Queue(c.CreateSender(name))), client).Value;
        return notBefore is { } due && due > time.GetUtcNow()
            ? target.Sender.ScheduleMessageAsync(message, due, cancellationToken)
            : target.Batcher.SendAsync(message, cancellationToken);
    }

    /// <summary>Sends what callers already handed over, then closes every sender.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues.Values.Where(q => q.IsValueCreated).Select(q => q.Value))
        {
            await queue.Batcher.DisposeAsync().ConfigureAwait(false);
            await queue.Sender.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Queue(ServiceBusSender sender)
    {
        public ServiceBusSender Sender { get; } = sender;
        public QueueSendBatcher Batcher { get; } = new(sender);
    }
}
