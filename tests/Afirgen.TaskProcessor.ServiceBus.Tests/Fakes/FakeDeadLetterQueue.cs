using System.Diagnostics.CodeAnalysis;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>A dead-letter sub-queue: messages in sequence order, each free or locked by a receive.</summary>
internal sealed class FakeDeadLetterQueue
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, ServiceBusReceivedMessage> _messages = [];
    private readonly HashSet<long> _locked = [];

    public List<long> Abandoned { get; } = [];

    public void Add(ServiceBusReceivedMessage message)
    {
        lock (_gate) _messages.Add(message.SequenceNumber, message);
    }

    public IReadOnlyList<long> Remaining
    {
        get { lock (_gate) return _messages.Keys.ToList(); }
    }

    public IReadOnlyList<long> Locked
    {
        get { lock (_gate) return _locked.Order().ToList(); }
    }

    public IReadOnlyList<ServiceBusReceivedMessage> Peek(int max, long? from)
    {
        lock (_gate) return _messages.Values.Where(m => from is null || m.SequenceNumber >= from).Take(max).ToList();
    }

    public IReadOnlyList<ServiceBusReceivedMessage> Receive(int max)
    {
        lock (_gate)
        {
            var free = _messages.Values.Where(m => !_locked.Contains(m.SequenceNumber)).Take(max).ToList();
            _locked.UnionWith(free.Select(m => m.SequenceNumber));
            return free;
        }
    }

    public void Complete(ServiceBusReceivedMessage message)
    {
        lock (_gate)
        {
            Assert.True(_locked.Remove(message.SequenceNumber), $"message {message.SequenceNumber} completed without a lock");
            _messages.Remove(message.SequenceNumber);
        }
    }

    public void Abandon(ServiceBusReceivedMessage message)
    {
        lock (_gate)
        {
            Assert.True(_locked.Remove(message.SequenceNumber), $"message {message.SequenceNumber} abandoned without a lock");
            Abandoned.Add(message.SequenceNumber);
        }
    }
}

/// <summary>A receiver on a <see cref="FakeDeadLetterQueue"/>.</summary>
internal sealed class FakeDeadLetterReceiver(FakeDeadLetterQueue queue) : ServiceBusReceiver
{
    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekMessagesAsync(int maxMessages, long? fromSequenceNumber = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(queue.Peek(maxMessages, fromSequenceNumber));

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(queue.Receive(maxMessages));

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        queue.Complete(message);
        return Task.CompletedTask;
    }

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        queue.Abandon(message);
        return Task.CompletedTask;
    }

    [SuppressMessage("Usage", "CA2215:Dispose methods should call base class dispose", Justification = FakeServiceBusClient.NothingToClose)]
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
