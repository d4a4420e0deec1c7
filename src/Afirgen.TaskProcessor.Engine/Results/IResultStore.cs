namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Where task states and results live (Celery's result backend). Implementations throw
/// <see cref="ResultStoreUnavailableException"/> when the store cannot be reached, so the runner can
/// abandon the message instead of settling it with the outcome unrecorded.
/// </summary>
public interface IResultStore
{
    /// <summary>The stored result of <paramref name="taskId"/>, or null when none is stored.</summary>
    Task<TaskResultMeta?> GetAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="meta"/> with the configured expiry and announces the change (Celery: SETEX + PUBLISH).</summary>
    Task StoreAsync(TaskResultMeta meta, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a task was enqueued (PENDING) unless any result is already stored for it, so status
    /// queries can tell "queued" from "never heard of". Returns false when a result was already there.
    /// </summary>
    Task<bool> TryStorePendingAsync(TaskResultMeta pending, CancellationToken cancellationToken);

    /// <summary>
    /// The runner's first step, atomic: when a terminal result (SUCCESS, FAILURE, REVOKED) is stored for the
    /// task, returns it and changes nothing; when the task id is revoked, says so and changes nothing;
    /// otherwise stores <paramref name="started"/> (if not null) and lets the run go.
    /// </summary>
    /// <remarks>
    /// Must not complete before it returns (a store that answers from memory yields first): a consumer may start a run on
    /// the thread that receives messages, and what follows the begin is the task's handler.
    /// </remarks>
    Task<BeginResult> BeginAsync(string taskId, TaskResultMeta? started, CancellationToken cancellationToken);

    /// <summary>
    /// A run given back to the broker unfinished (at shutdown): replaces its result with <paramref name="pending"/>,
    /// atomically, only while the stored result is still exactly <paramref name="started"/> (the STARTED that run's
    /// <see cref="BeginAsync"/> stored), so a redelivery that has started meanwhile, or a result that moved on, is left as it is.
    /// </summary>
    /// <returns>Whether the STARTED result was replaced.</returns>
    Task<bool> ReleaseStartedAsync(TaskResultMeta started, TaskResultMeta pending, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes a task id, atomically: remembers it as revoked for <paramref name="keepFor"/> (so its
    /// messages, scheduled ones included, are dropped when they come up), and stores <paramref name="revoked"/>
    /// as its result unless it is running (STARTED) or already finished.
    /// </summary>
    /// <returns>The state the task was in before (null when nothing was stored for it).</returns>
    Task<string?> RevokeAsync(TaskResultMeta revoked, TimeSpan keepFor, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="taskId"/> is revoked (and the revocation has not expired).</summary>
    Task<bool> IsRevokedAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Celery's Redis backend's <c>set_chord_size</c>: how many header tasks chord <paramref name="groupId"/> waits for
    /// (a Celery producer sets it when it sends the header's last task).
    /// </summary>
    Task SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken);

    /// <summary>
    /// Celery's Redis backend's <c>on_chord_part_return</c>, atomically: adds <paramref name="part"/> (Celery's
    /// <c>[1, task id, state, result]</c>) to chord <paramref name="groupId"/>'s join at <paramref name="groupIndex"/>
    /// (a part of the same task already there is kept, so a redelivered header task is counted once), renews the join's
    /// expiry, and says whether every header task is in.
    /// </summary>
    Task<ChordJoinState> JoinChordPartAsync(string groupId, string taskId, int? groupIndex, string part, CancellationToken cancellationToken);

    /// <summary>Deletes chord <paramref name="groupId"/>'s join once its body is sent or failed (Celery deletes it after calling the body).</summary>
    Task ForgetChordAsync(string groupId, CancellationToken cancellationToken);
}
