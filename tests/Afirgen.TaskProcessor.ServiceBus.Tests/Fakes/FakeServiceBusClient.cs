using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>
/// A <see cref="ServiceBusClient"/> with no connection: hands out fake senders (one per queue, created on
/// demand) and receivers over fake dead-letter queues. The SDK's protected constructor exists for this.
/// </summary>
internal sealed class FakeServiceBusClient : ServiceBusClient
{
    private int _sendersCreated;

    public ConcurrentDictionary<string, FakeSender> Senders { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, FakeDeadLetterQueue> DeadLetterQueues { get; } = new(StringComparer.Ordinal);
    public int SendersCreated => Volatile.Read(ref _sendersCreated);

    public FakeSender SenderFor(string queue) => Senders.GetOrAdd(queue, q => new FakeSender(q));

    public override ServiceBusSender CreateSender(string queueOrTopicName)
    {
        Interlocked.Increment(ref _sendersCreated);
        return SenderFor(queueOrTopicName);
    }

    public override ServiceBusReceiver CreateReceiver(string queueName, ServiceBusReceiverOptions options)
    {
        Assert.Equal(SubQueue.DeadLetter, options.SubQueue);
        Assert.Equal(ServiceBusReceiveMode.PeekLock, options.ReceiveMode);
        return new FakeDeadLetterReceiver(DeadLetterQueues.GetOrAdd(queueName, _ => new FakeDeadLetterQueue()));
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
