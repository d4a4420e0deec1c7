namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// Broker message ids. Brokers drop a second message with the same id inside their duplicate-detection
/// window, so every message the engine sends has an id derived from what caused it: sending it again
/// after a crash (the same cause) is then harmless, while a new cause (the next retry) gets a new id.
/// </summary>
public static class MessageIds
{
    /// <summary>A task's first message: its task id.</summary>
    public static string ForTask(string taskId) => taskId;

    /// <summary>The message that carries retry number <paramref name="retries"/> of a task.</summary>
    public static string ForRetry(string taskId, int retries) => $"{taskId}.retry-{retries}";

    /// <summary>
    /// The message that replays dead letter <paramref name="sequenceNumber"/> (first sent as
    /// <paramref name="deadLetteredMessageId"/>): the original id stays readable in it, and replaying the same
    /// dead letter twice (a crash between send and delete) is dropped as a duplicate.
    /// </summary>
    public static string ForReplay(string deadLetteredMessageId, long sequenceNumber) => $"{deadLetteredMessageId}.replay-{sequenceNumber}";

    /// <summary>The message that brings <paramref name="receivedMessageId"/> back at its ETA.</summary>
    public static string ForEtaDeferral(string receivedMessageId) => $"{receivedMessageId}.eta";

    /// <summary>
    /// A deterministic task id for the <paramref name="ordinal"/>th child a task enqueues, so a task run
    /// again after a crash enqueues the same children (then dropped as duplicates) rather than new ones.
    /// </summary>
    public static string ForChild(string parentTaskId, string childTaskName, int ordinal) =>
        DeterministicGuid.Create($"{parentTaskId}/{childTaskName}/{ordinal}").ToString();

    /// <summary>
    /// A deterministic task id for a follow-up (chain link, callback, errback) whose producer set none,
    /// so a redelivered parent re-sends the same follow-up rather than a second one.
    /// </summary>
    public static string ForFollowUp(string parentTaskId, string taskName, string role) =>
        DeterministicGuid.Create($"{parentTaskId}/{taskName}/{role}").ToString();

    /// <summary>The role of a chain's next link in <see cref="ForFollowUp"/>.</summary>
    public const string ChainRole = "chain";

    /// <summary>
    /// The task id a follow-up <paramref name="link"/> of <paramref name="parentTaskId"/> runs under: the one its
    /// producer chose (Celery freezes a chain's ids up front), else <see cref="ForFollowUp"/>.
    /// </summary>
    public static string ForFollowUpLink(string parentTaskId, TaskSignature link, string role) =>
        link.TaskId ?? ForFollowUp(parentTaskId, link.TaskName, role);

    /// <summary>
    /// The ids the links of <paramref name="chain"/> (still to run after <paramref name="taskId"/>) will run
    /// under, in order: each link is the parent of the next, so the ids are known before any of them is sent.
    /// </summary>
    public static IReadOnlyList<ChainLink> ForChain(string taskId, IReadOnlyList<TaskSignature> chain)
    {
        if (chain.Count == 0)
        {
            return [];
        }
        var links = new ChainLink[chain.Count];
        var parent = taskId;
        for (var i = 0; i < chain.Count; i++)
        {
            parent = ForFollowUpLink(parent, chain[i], ChainRole);
            links[i] = new ChainLink(parent, chain[i].TaskName);
        }
        return links;
    }

    /// <summary>
    /// A deterministic task id for <paramref name="taskName"/> enqueued by schedule <paramref name="schedule"/>
    /// for its occurrence at <paramref name="occurrence"/>, so a timer that fires twice for one occurrence
    /// (a restart, two hosts) enqueues the task once.
    /// </summary>
    public static string ForScheduledOccurrence(string schedule, string taskName, DateTimeOffset occurrence) =>
        DeterministicGuid.Create($"schedule/{schedule}/{taskName}/{occurrence.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}").ToString();
}
