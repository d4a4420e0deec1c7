using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.ServiceBus.DeadLetters;

/// <summary>
/// The dead-letter port on Service Bus's dead-letter sub-queue (<c>&lt;queue&gt;/$DeadLetterQueue</c>):
/// browse by peeking (nothing is locked), replay by receiving, re-sending to the queue and only then
/// completing, purge by receiving and completing.
/// </summary>
/// <remarks>
/// Replay and purge with a list of ids walk the dead-letter queue once: messages not chosen stay locked by
/// this walk until it ends (so it does not see them twice), then are abandoned, which returns them unchanged
/// (a dead-letter queue never dead-letters again). A walk over more messages than one lock duration allows
/// leaves the rest for the next call.
/// <para>A queue with priority lanes has a dead-letter queue per lane. Named by its queue (<c>reports</c>), every lane's
/// dead letters are browsed, replayed or purged, each shown with its lane's queue (<c>reports-high</c>); named by a
/// lane's queue, only that lane's. A replay goes back to the lane it was dead-lettered from.</para>
/// </remarks>
public sealed class ServiceBusDeadLetterStore(
    ServiceBusClient client, ServiceBusMessageSender sender, CeleryMessageParser parser, TimeProvider time, IOptions<BrokerQueueOptions> queueOptions,
    QueueLanes lanes)
    : IDeadLetterStore
{
    private const int PageSize = 100;

    /// <summary>How long a receive waits before the dead-letter queue counts as drained.</summary>
    internal TimeSpan DrainWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeadLetteredMessage>> GetDeadLettersAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessages);
        var found = new List<DeadLetteredMessage>();
        foreach (var lane in LaneQueues(queue))
        {
            await using var receiver = client.CreateReceiver(lane, DeadLetterQueue);
            long? from = null;
            var inLane = 0;
            while (inLane < maxMessages)
            {
                var page = await receiver.PeekMessagesAsync(Math.Min(PageSize, maxMessages - inLane), from, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }
                found.AddRange(page.Select(m => DeadLetteredMessages.From(lane, m, parser)));
                inLane += page.Count;
                from = page[^1].SequenceNumber + 1;
            }
        }
        // Lane by lane, highest first; within a lane, oldest first.
        return [.. found.Take(maxMessages)];
    }

    // The Service Bus queues a name covers: a queue's every lane, or one lane.
    private IEnumerable<string> LaneQueues(string queue) =>
        lanes.LaneOf(queue) is { Name: not null } lane ? [lane.Queue] : lanes.LanesOf(queue).Select(l => l.Queue);

    /// <inheritdoc/>
    public Task<int> ReplayDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken) =>
        WalkLanesAsync(queue, messageIds, replay: true, cancellationToken);

    /// <inheritdoc/>
    public Task<int> PurgeDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken) =>
        WalkLanesAsync(queue, messageIds, replay: false, cancellationToken);

    private async Task<int> WalkLanesAsync(string queue, IReadOnlyCollection<string>? messageIds, bool replay, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var moved = 0;
        foreach (var lane in LaneQueues(queue))
        {
            moved += await WalkAsync(lane, messageIds, replay, cancellationToken).ConfigureAwait(false);
        }
        return moved;
    }

    private static ServiceBusReceiverOptions DeadLetterQueue => new()
    {
        SubQueue = SubQueue.DeadLetter,
        ReceiveMode = ServiceBusReceiveMode.PeekLock,
        PrefetchCount = 0,
    };

    private async Task<int> WalkAsync(string queue, IReadOnlyCollection<string>? messageIds, bool replay, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var chosen = messageIds is null ? null : new HashSet<string>(messageIds, StringComparer.Ordinal);
        var window = queueOptions.Value.DuplicateDetectionWindow;
        var skipped = new List<ServiceBusReceivedMessage>();
        var moved = 0;
        await using var receiver = client.CreateReceiver(queue, DeadLetterQueue);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var page = await receiver.ReceiveMessagesAsync(PageSize, DrainWait, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }
                var taken = page.Where(m => chosen is null || chosen.Contains(m.MessageId)).ToList();
                skipped.AddRange(page.Except(taken));
                if (replay)
                {
                    // Sent together (the sender batches concurrent sends), completed only once all are accepted.
                    var now = time.GetUtcNow();
                    await Task.WhenAll(taken.Select(m => sender.SendAsync(queue, ReplayMessages.From(m, now, window), null, cancellationToken))).ConfigureAwait(false);
                }
                foreach (var message in taken)
                {
                    await receiver.CompleteMessageAsync(message, cancellationToken).ConfigureAwait(false);
                    moved++;
                }
            }
        }
        finally
        {
            foreach (var message in skipped)
            {
                // Best effort: a lock not given back expires on its own and the message is there again.
                try
                {
                    await receiver.AbandonMessageAsync(message, null, CancellationToken.None).ConfigureAwait(false);
                }
                catch (ServiceBusException)
                {
                }
            }
        }
        return moved;
    }
}
