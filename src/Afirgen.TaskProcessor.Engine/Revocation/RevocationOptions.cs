namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>How revocations are kept. Section <c>TaskProcessor:Revocation</c>.</summary>
public sealed class RevocationOptions
{
    public const string Section = "TaskProcessor:Revocation";

    /// <summary>
    /// How long a revoked task id is remembered. A message of the task that comes up later (an ETA or a
    /// retry scheduled further out) runs; keep this longer than the furthest ETA you schedule. Celery
    /// keeps revoked ids for 3 hours in each worker's memory; the default here is 7 days, in Redis.
    /// </summary>
    public TimeSpan Expires { get; set; } = TimeSpan.FromDays(7);
}
