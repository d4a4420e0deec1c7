namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>Where a chord's join stands after a header task's part was added.</summary>
/// <param name="Ready">Every header task is in (the count reached the chord's size).</param>
/// <param name="Parts">When ready, every part in the order of the header (<c>group_index</c>); else empty.</param>
/// <param name="Complex">When ready, whether the header was saved as a GroupResult (it held groups of its own), which Celery joins by structure.</param>
public sealed record ChordJoinState(bool Ready, IReadOnlyList<string> Parts, bool Complex)
{
    public static readonly ChordJoinState Waiting = new(false, [], false);
}
