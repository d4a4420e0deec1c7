namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>A filter over the task index, Flower's <c>/api/tasks</c> parameters.</summary>
public sealed record TaskQuery
{
    /// <summary>One of <see cref="Results.TaskStates"/>, as stored (upper case): the store reads that state's own list.</summary>
    public string? State { get; init; }

    /// <summary>Exact task name, ignoring case (as Flower compares).</summary>
    public string? TaskName { get; init; }

    /// <summary>Exact worker name, ignoring case.</summary>
    public string? Worker { get; init; }

    /// <summary>
    /// Received (or started) at or after / at or before these times. As in Flower, a task without that time
    /// (not received yet, never started) is not filtered out by it.
    /// </summary>
    public DateTimeOffset? ReceivedFrom { get; init; }
    public DateTimeOffset? ReceivedTo { get; init; }
    public DateTimeOffset? StartedFrom { get; init; }
    public DateTimeOffset? StartedTo { get; init; }

    /// <summary>A further condition on each entry (Flower's <c>search</c>, parsed by the API).</summary>
    public Func<TaskIndexEntry, bool>? Where { get; init; }

    public int Limit { get; init; } = 100;
    public int Offset { get; init; }

    /// <summary>name, state, received or started; a leading '-' sorts descending. Null: newest first.</summary>
    public string? SortBy { get; init; }

    public static readonly IReadOnlySet<string> SortKeys = new HashSet<string>(StringComparer.Ordinal) { "name", "state", "received", "started" };

    /// <summary>Whether anything beyond the state filter narrows the listing (a store's quick path serves only the state).</summary>
    public bool FiltersEntries =>
        TaskName is not null || Worker is not null || ReceivedFrom is not null || ReceivedTo is not null ||
        StartedFrom is not null || StartedTo is not null || Where is not null;

    /// <summary>Whether <paramref name="entry"/> passes every filter.</summary>
    public bool Matches(TaskIndexEntry entry) =>
        (TaskName is null || string.Equals(entry.Name, TaskName, StringComparison.OrdinalIgnoreCase)) &&
        (Worker is null || string.Equals(entry.Worker, Worker, StringComparison.OrdinalIgnoreCase)) &&
        (State is null || string.Equals(entry.State, State, StringComparison.OrdinalIgnoreCase)) &&
        Within(entry.Received, ReceivedFrom, ReceivedTo) &&
        Within(entry.Started, StartedFrom, StartedTo) &&
        (Where is null || Where(entry));

    private static bool Within(DateTimeOffset? time, DateTimeOffset? from, DateTimeOffset? to) =>
        time is not { } t || ((from is null || t >= from) && (to is null || t <= to));

    /// <summary>Sorts (when asked) and pages entries already filtered and ordered newest first.</summary>
    public IReadOnlyList<TaskIndexEntry> Page(IEnumerable<TaskIndexEntry> newestFirst)
    {
        var items = newestFirst;
        if (SortBy is { } sort)
        {
            var descending = sort.StartsWith('-');
            Func<TaskIndexEntry, IComparable?> key = sort.TrimStart('-') switch
            {
                "name" => e => e.Name,
                "state" => e => e.State,
                "received" => e => e.Received,
                _ => e => e.Started,
            };
            items = descending ? items.OrderByDescending(key) : items.OrderBy(key);
        }
        return items.Skip(Math.Max(0, Offset)).Take(Math.Max(0, Limit)).ToArray();
    }
}
