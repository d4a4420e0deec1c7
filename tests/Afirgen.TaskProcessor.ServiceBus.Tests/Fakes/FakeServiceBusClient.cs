using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>
/// A <see cref="ServiceBusClient"/> with no connection: hands out fake senders (one per queue, created on
/// demand) and receivers over fake dead-letter queues. The SDK's protected constructor exists for this.
/// </summary>
internal sealed class FakeServiceBusClient : ServiceBusClient
{
    // Why the fakes' DisposeAsync (here, FakeSender's, FakeDeadLetterReceiver's) does not call the SDK's.
    internal const string NothingToClose =
        "Made with the SDK's constructor for mocking, which leaves no connection: the base DisposeAsync would throw NullReferenceException, and a fake holds nothing to close.";

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

    [SuppressMessage("Usage", "CA2215:Dispose methods should call base class dispose", Justification = FakeServiceBusClient.NothingToClose)]
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
