namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// A receive call waiting on an empty <see cref="EmbeddedQueue"/>. The queue fills <see cref="Deliveries"/>
/// under its lock and completes the waiter after releasing it.
/// </summary>
internal sealed class ReceiveWaiter(EmbeddedQueue queue, int maxMessages)
{
    private readonly TaskCompletionSource<IReadOnlyList<ReceivedDelivery>> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EmbeddedQueue Queue { get; } = queue;

    public int MaxMessages { get; } = maxMessages;

    /// <summary>This waiter's place in the queue's list of waiters; detached once it has been served or cancelled.</summary>
    public LinkedListNode<ReceiveWaiter>? Node { get; set; }

    /// <summary>What the queue handed this waiter; set under the queue's lock.</summary>
    public IReadOnlyList<ReceivedDelivery> Deliveries { get; set; } = [];

    /// <summary>The next waiter to complete once the queue's lock is released.</summary>
    public ReceiveWaiter? NextToComplete { get; set; }

    public Task<IReadOnlyList<ReceivedDelivery>> Task => _completion.Task;

    /// <summary>Completes this waiter and those chained behind it. Call without holding the queue's lock.</summary>
    public static void CompleteChain(ReceiveWaiter? first)
    {
        while (first is not null)
        {
            var next = first.NextToComplete;
            first.NextToComplete = null;
            first._completion.TrySetResult(first.Deliveries);
            first = next;
        }
    }
}
