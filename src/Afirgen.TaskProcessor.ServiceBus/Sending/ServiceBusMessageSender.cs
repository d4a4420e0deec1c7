using System.Collections.Concurrent;
using Afirgen.TaskProcessor.Engine.Broker;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Sending;

/// <summary>
/// The engine's send port on Service Bus: one <see cref="ServiceBusSender"/> per queue, created once and
/// kept (senders are thread-safe and hold an AMQP link). Messages due now go out batched
/// (<see cref="QueueSendBatcher"/>); messages with a future time (ETA, retry back-off) are scheduled on the
/// broker with <see cref="ServiceBusSender.ScheduleMessageAsync"/>, so no worker holds them in memory.
/// </summary>
public sealed class ServiceBusMessageSender(ServiceBusClient client, TimeProvider time) : IMessageSender, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Queue>> _queues = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task SendAsync(string queue, OutgoingMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(queue, ServiceBusMessages.From(message), notBefore, cancellationToken);
    }

    /// <summary>Sends an already built Service Bus message (dead-letter replay keeps the original's properties).</summary>
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
