using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>Records what a <see cref="ServiceBusSender"/> was asked to send, batch by batch, and what to schedule.</summary>
internal sealed class FakeSender(string queue) : ServiceBusSender
{
    private readonly ConcurrentDictionary<ServiceBusMessageBatch, List<ServiceBusMessage>> _stores = new();
    private long _sequence;

    public override string EntityPath => queue;

    /// <summary>Messages accepted per batch, in send order.</summary>
    public ConcurrentQueue<IReadOnlyList<ServiceBusMessage>> Batches { get; } = new();

    public ConcurrentQueue<(ServiceBusMessage Message, DateTimeOffset At)> Scheduled { get; } = new();

    /// <summary>How many messages one batch takes.</summary>
    public int BatchCapacity { get; set; } = int.MaxValue;

    /// <summary>Messages with a body above this many bytes fit no batch.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>When set, batch sends wait for it (to let callers pile up).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Signalled when a batch send starts.</summary>
    public SemaphoreSlim SendStarted { get; } = new(0);

    /// <summary>When set, the next batch send throws it.</summary>
    public Exception? FailNext { get; set; }

    public IEnumerable<ServiceBusMessage> Sent => Batches.SelectMany(b => b);

    public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default)
    {
        var store = new List<ServiceBusMessage>();
        var batch = ServiceBusModelFactory.ServiceBusMessageBatch(MaxBodyBytes, store, new CreateMessageBatchOptions(),
            m => store.Count < BatchCapacity && m.Body.ToMemory().Length <= MaxBodyBytes);
        _stores[batch] = store;
        return ValueTask.FromResult(batch);
    }

    public override async Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default)
    {
        SendStarted.Release();
        if (Hold is { } hold)
        {
            await hold.Task;
        }
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
        _stores.TryRemove(messageBatch, out var store);
        Batches.Enqueue(store!.ToList());
    }

    public override Task<long> ScheduleMessageAsync(ServiceBusMessage message, DateTimeOffset scheduledEnqueueTime, CancellationToken cancellationToken = default)
    {
        Scheduled.Enqueue((message, scheduledEnqueueTime));
        return Task.FromResult(Interlocked.Increment(ref _sequence));
    }

    [SuppressMessage("Usage", "CA2215:Dispose methods should call base class dispose", Justification = FakeServiceBusClient.NothingToClose)]
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
