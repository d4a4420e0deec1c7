namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>What became of a delivery the runner was given (for a consumer's accounting, e.g. at shutdown).</summary>
public enum RunEnd
{
    /// <summary>Settled by its outcome: completed, dead-lettered, or deferred to its ETA in the broker.</summary>
    Settled,

    /// <summary>Given back to the broker before it started, because the host stopped taking work.</summary>
    GivenBack,

    /// <summary>Cancelled while running because the host could wait no longer, and given back to the broker.</summary>
    Cancelled,

    /// <summary>Given back to the broker for another reason (the result store unavailable, an infrastructure fault).</summary>
    Abandoned,

    /// <summary>Its lock was lost before it could be settled: the broker redelivers it.</summary>
    LockLost,
}
