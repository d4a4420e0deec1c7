namespace Afirgen.TaskProcessor.Engine.Priority;

/// <summary>
/// The priority scale AFIRGen documents: 1 is the lowest, 10 the highest, and higher runs first.
/// (Celery's Redis transport serves lower numbers first; we implement what the seed documents.)
/// </summary>
public static class Priorities
{
    public const int Lowest = 1;
    public const int Highest = 10;

    /// <summary>True when <paramref name="priority"/> is on the 1–10 scale.</summary>
    public static bool IsValid(int priority) => priority is >= Lowest and <= Highest;

    /// <summary>The sentence an API or CLI shows for a priority outside the scale.</summary>
    public static string OutOfRangeMessage(int priority) =>
        $"Priority {priority} is out of range: use 1 (lowest) to 10 (highest), or leave it out to use the queue's default.";
}
