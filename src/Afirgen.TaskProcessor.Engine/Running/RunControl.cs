namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// What a pull consumer and the runner tell each other about one delivery the consumer holds: when to give
/// the message back unstarted (the host has stopped taking work), and when its run started (the consumer renews
/// a held message's lock without limit while it waits for a slot, and only up to its renewal limit once it runs).
/// </summary>
/// <param name="giveBack">
/// Fires when the host stops taking work: a delivery still waiting for a slot is abandoned at once, so the broker
/// can hand it to another worker instead of waiting for its lock to expire. Cancel it whenever the host aborts too.
/// </param>
public sealed class RunControl(CancellationToken giveBack)
{
    private long _startedAtTicks;

    /// <summary>Fires when a delivery that has not started must go back to the broker.</summary>
    public CancellationToken GiveBack => giveBack;

    /// <summary>When the priority gate admitted the run; null while it waits (or when it never ran).</summary>
    public DateTimeOffset? StartedAt => Volatile.Read(ref _startedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    internal void MarkStarted(DateTimeOffset at) => Volatile.Write(ref _startedAtTicks, at.UtcTicks);
}
