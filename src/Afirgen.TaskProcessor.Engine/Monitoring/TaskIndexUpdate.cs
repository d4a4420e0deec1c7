namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// One change to a task in the index: its new state at <see cref="At"/>, and the fields that change with
/// it. A store applies the state only if it is not older than the one it holds (events from several
/// instances may arrive out of order), and always merges the fields.
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="State">Its state from now on.</param>
/// <param name="At">When it changed.</param>
/// <param name="Fields">Field/value pairs (<see cref="TaskIndexFields"/>) to set.</param>
public sealed record TaskIndexUpdate(string TaskId, string State, DateTimeOffset At, IReadOnlyList<KeyValuePair<string, string>> Fields);

/// <summary>A filter over the task index, Flower's <c>/api/tasks</c> parameters.</summary>
public sealed record TaskQuery
{
    public string? State { get; init; }
    public string? TaskName { get; init; }
    public string? Worker { get; init; }
    public int Limit { get; init; } = 100;
    public int Offset { get; init; }

    /// <summary>name, state, received or started; a leading '-' sorts descending. Null: newest first.</summary>
    public string? SortBy { get; init; }

    public static readonly IReadOnlySet<string> SortKeys = new HashSet<string>(StringComparer.Ordinal) { "name", "state", "received", "started" };

    /// <summary>Whether <paramref name="entry"/> passes the name and worker filters (the state filter is the store's).</summary>
    public bool Matches(TaskIndexEntry entry) =>
        (TaskName is null || string.Equals(entry.Name, TaskName, StringComparison.Ordinal)) &&
        (Worker is null || string.Equals(entry.Worker, Worker, StringComparison.Ordinal)) &&
        (State is null || string.Equals(entry.State, State, StringComparison.Ordinal));

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
