using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// A task's begin started while the task waits for a handler slot, when the begin only checks (track_started off, so
/// it stores nothing): is a terminal result stored, is the task revoked? Under load the slot then goes to the handler
/// at once instead of to a round trip (about a millisecond here), which is most of what a slot spends beyond the task.
/// </summary>
/// <remarks>
/// What the check does not see, the waiting task's registration does: a revocation after the check reaches it through
/// the revocation broadcast (<see cref="RunningTasks.Revoke"/>), so it does not start. A check older than
/// <see cref="FreshFor"/> when the slot comes is done again in the slot, which also covers a broadcast this instance
/// missed. Holds no task: the message stays held by the broker until it is settled, as for any waiting task.
/// </remarks>
internal sealed class AheadCheck
{
    /// <summary>How old a check may be when the task gets its slot and still stand.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    private readonly RunningTasks _running;
    private readonly long _checkedFrom;

    public AheadCheck(RunningTasks running, RunHandle handle, Task<BeginResult> check, long checkedFrom)
    {
        _running = running;
        Handle = handle;
        Check = check;
        _checkedFrom = checkedFrom;
    }

    /// <summary>The waiting task's registration, which a revocation marks.</summary>
    public RunHandle Handle { get; }

    /// <summary>The check itself: <see cref="IResultStore.BeginAsync"/> with nothing to store.</summary>
    public Task<BeginResult> Check { get; }

    /// <summary>Whether the check, started at its timestamp, still stands now.</summary>
    public bool IsFresh(TimeProvider time) => time.GetElapsedTime(_checkedFrom) <= FreshFor;

    /// <summary>The check will not be awaited (stale, or the task does not run): its failure, if any, is observed here.</summary>
    public void Forget() =>
        _ = Check.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The task went back to the broker unstarted: no longer waiting here.</summary>
    public void Abandon()
    {
        _running.Unregister(Handle);
        Forget();
    }
}
