namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>What <see cref="IResultStore.BeginAsync"/> found before a run.</summary>
/// <param name="Finished">The terminal result already stored (the run must not happen), or null.</param>
/// <param name="Revoked">The task id is revoked and has no terminal result: the run must not happen, REVOKED is to be stored.</param>
public readonly record struct BeginResult(TaskResultMeta? Finished, bool Revoked)
{
    /// <summary>Nothing stops the run; STARTED was stored if asked.</summary>
    public static BeginResult Go => default;

    /// <summary>Whether the run may go ahead.</summary>
    public bool MayRun => Finished is null && !Revoked;
}
