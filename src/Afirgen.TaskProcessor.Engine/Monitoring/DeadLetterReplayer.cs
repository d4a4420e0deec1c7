using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>Which dead letters an operation takes: all of a queue's when every field is null.</summary>
public sealed record DeadLetterFilter
{
    public IReadOnlyCollection<string>? MessageIds { get; init; }
    public string? TaskId { get; init; }
    public string? TaskName { get; init; }
    /// <summary>One of <see cref="DeadLetterReasons"/>.</summary>
    public string? Reason { get; init; }
    /// <summary>
    /// The broker queue the letter was dead-lettered from (<see cref="DeadLetteredMessage.Queue"/>): on a broker with lanes,
    /// a queue's own name keeps its base lane's letters only, apart from those of <c>reports-high</c> and the like.
    /// </summary>
    public string? FromQueue { get; init; }

    public bool IsEverything => MessageIds is null && TaskId is null && TaskName is null && Reason is null && FromQueue is null;

    public bool Matches(DeadLetteredMessage m) =>
        (MessageIds is null || MessageIds.Contains(m.MessageId)) &&
        (TaskId is null || m.TaskId == TaskId) &&
        (TaskName is null || m.TaskName == TaskName) &&
        (Reason is null || m.Reason == Reason) &&
        (FromQueue is null || string.Equals(m.Queue, FromQueue, StringComparison.Ordinal));
}

/// <summary>
/// Lists, replays and purges dead letters through the broker-neutral <see cref="IDeadLetterStore"/>, so the
/// HTTP API, the CLI and the dashboard do it the same way on the embedded broker and on Service Bus.
/// </summary>
/// <remarks>
/// A replay runs the task again from scratch: the message goes back to its queue with the same task id and
/// body but <c>retries</c> reset to 0 and no ETA or expiry left over, under a message id derived from the
/// dead letter's (<see cref="MessageIds.ForReplay"/>); the stored FAILURE becomes PENDING first (the runner
/// would otherwise see a finished task and settle the message without running it). Only then is the dead
/// letter deleted, so a crash in between leaves it to replay again, and that second send is dropped as a
/// duplicate. A body that cannot be parsed is handed back as it was (it will be rejected again).
/// </remarks>
public sealed class DeadLetterReplayer(IDeadLetterStore deadLetters, IMessageSender sender, IResultStore results,
    CeleryMessageParser parser, TaskMonitor monitor)
{
    /// <summary>At most this many dead letters are looked at per queue and call.</summary>
    public const int MaxBrowsed = 10_000;

    public async Task<IReadOnlyList<DeadLetteredMessage>> ListAsync(string queue, DeadLetterFilter filter, int maxMessages, CancellationToken cancellationToken)
    {
        var all = await deadLetters.GetDeadLettersAsync(queue, filter.IsEverything ? maxMessages : MaxBrowsed, cancellationToken).ConfigureAwait(false);
        return all.Where(filter.Matches).Take(maxMessages).ToArray();
    }

    /// <summary>Replays the dead letters of <paramref name="queue"/> that match; returns how many.</summary>
    public async Task<int> ReplayAsync(string queue, DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        var selected = await ListAsync(queue, filter, MaxBrowsed, cancellationToken).ConfigureAwait(false);
        var replayed = 0;
        foreach (var dead in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (parser.Parse(dead.Body) is not ParseOutcome.Parsed parsed)
            {
                replayed += await deadLetters.ReplayDeadLettersAsync(queue, [dead.MessageId], cancellationToken).ConfigureAwait(false);
                continue;
            }
            var message = parsed.Message with { Retries = 0, Eta = null, Expires = null };
            var body = CeleryMessageWriter.Write(message, dead.Queue, dead.Priority);
            await results.StoreAsync(new TaskResultMeta { TaskId = message.Id, Status = TaskStates.Pending }, cancellationToken).ConfigureAwait(false);
            await sender.SendAsync(dead.Queue,
                new OutgoingMessage(MessageIds.ForReplay(dead.MessageId, dead.SequenceNumber), message.Id, message.TaskName, dead.Priority, body),
                null, cancellationToken).ConfigureAwait(false);
            monitor.Sent(new PublishedTask(message.Id, message.TaskName, dead.Queue, dead.Priority, null, null));
            await deadLetters.PurgeDeadLettersAsync(queue, [dead.MessageId], cancellationToken).ConfigureAwait(false);
            replayed++;
        }
        return replayed;
    }

    /// <summary>Deletes the dead letters of <paramref name="queue"/> that match; returns how many.</summary>
    public async Task<int> PurgeAsync(string queue, DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        if (filter.IsEverything)
        {
            return await deadLetters.PurgeDeadLettersAsync(queue, null, cancellationToken).ConfigureAwait(false);
        }
        var selected = await ListAsync(queue, filter, MaxBrowsed, cancellationToken).ConfigureAwait(false);
        return selected.Count == 0 ? 0 : await deadLetters.PurgeDeadLettersAsync(queue, selected.Select(m => m.MessageId).Distinct().ToArray(), cancellationToken).ConfigureAwait(false);
    }
}
