using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// Monitoring state in this process's memory, for a host without Redis (development only, like its
/// in-memory results): it sees this instance alone and forgets everything when the process stops.
/// </summary>
public sealed class InMemoryMonitoringStore(IOptions<ResultOptions> resultOptions, IOptions<MonitoringOptions> monitoringOptions, TimeProvider time) : IMonitoringStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, (InstanceState State, DateTimeOffset Until)> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long[]> _buckets = [];
    // Parent id → its started children in the order they first started, and when the list last grew.
    private readonly Dictionary<string, (List<string> Ids, DateTimeOffset Touched)> _children = new(StringComparer.Ordinal);
    private readonly int _maxIndexed = Math.Max(100, monitoringOptions.Value.MaxIndexedTasks);

    public Task PublishInstanceAsync(InstanceState state, TimeSpan keep, CancellationToken cancellationToken)
    {
        lock (_lock) _instances[state.Name] = (state, time.GetUtcNow() + keep);
        return Task.CompletedTask;
    }

    public Task RemoveInstanceAsync(string name, CancellationToken cancellationToken)
    {
        lock (_lock) _instances.Remove(name);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<InstanceState>> GetInstancesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<InstanceState>>(_instances.Values.Where(i => i.Until > now).Select(i => i.State).OrderBy(s => s.Name, StringComparer.Ordinal).ToArray());
        }
    }

    public Task WriteTaskUpdatesAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var update in updates)
            {
                if (!_tasks.TryGetValue(update.TaskId, out var fields))
                {
                    _tasks[update.TaskId] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                foreach (var (field, value) in update.Fields())
                {
                    fields[field] = value;
                }
                if (update.ParentId is { } parent)
                {
                    var children = _children.TryGetValue(parent, out var known) ? known.Ids : [];
                    if (!children.Contains(update.TaskId))
                    {
                        children.Add(update.TaskId);
                    }
                    _children[parent] = (children, update.Timestamp);
                }
                var at = TaskIndexFields.FormatTime(update.Timestamp);
                if (!fields.TryGetValue(TaskIndexFields.Timestamp, out var old) || TaskIndexFields.ParseTime(at) >= TaskIndexFields.ParseTime(old))
                {
                    fields[TaskIndexFields.State] = update.State;
                    fields[TaskIndexFields.Timestamp] = at;
                }
                if (IndexedStates.ThroughputField(update.State) is { } counted)
                {
                    var number = ThroughputBucket.NumberOf(update.Timestamp);
                    if (!_buckets.TryGetValue(number, out var counts))
                    {
                        _buckets[number] = counts = new long[3];
                    }
                    counts[counted switch { "succeeded" => 0, "failed" => 1, _ => 2 }]++;
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TaskIndexEntry>> QueryTasksAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var newestFirst = Entries().Where(query.Matches).OrderByDescending(e => e.Timestamp).ToArray();
            return Task.FromResult<IReadOnlyList<TaskIndexEntry>>(query.Page(newestFirst).Select(WithChildren).ToArray());
        }
    }

    public Task<IReadOnlyDictionary<string, long>> CountTasksByStateAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var counts = IndexedStates.All.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
            foreach (var entry in Entries())
            {
                if (counts.TryGetValue(entry.State, out var n))
                {
                    counts[entry.State] = n + 1;
                }
            }
            return Task.FromResult<IReadOnlyDictionary<string, long>>(counts);
        }
    }

    public Task<TaskIndexEntry?> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tasks.TryGetValue(taskId, out var fields) && TaskIndexEntry.FromFields(taskId, fields) is { } entry ? WithChildren(entry) : null);
        }
    }

    public Task<IReadOnlyList<ThroughputBucket>> GetThroughputAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var first = ThroughputBucket.NumberOf(since);
        var last = ThroughputBucket.NumberOf(time.GetUtcNow());
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ThroughputBucket>>(
                Enumerable.Range(0, (int)Math.Clamp(last - first + 1, 0, 360)).Select(i => first + i).Select(n =>
                    _buckets.TryGetValue(n, out var c)
                        ? new ThroughputBucket(ThroughputBucket.StartOf(n), c[0], c[1], c[2])
                        : new ThroughputBucket(ThroughputBucket.StartOf(n), 0, 0, 0)).ToArray());
        }
    }

    public Task<bool> TrimAsync(CancellationToken cancellationToken)
    {
        var oldest = time.GetUtcNow() - resultOptions.Value.Expires;
        lock (_lock)
        {
            var entries = Entries().OrderByDescending(e => e.Timestamp).ToArray();
            foreach (var entry in entries.Where((e, i) => e.Timestamp < oldest || i >= _maxIndexed))
            {
                _tasks.Remove(entry.TaskId);
                _children.Remove(entry.TaskId);
            }
            foreach (var parent in _children.Where(c => c.Value.Touched < oldest).Select(c => c.Key).ToArray())
            {
                _children.Remove(parent);
            }
            foreach (var number in _buckets.Keys.Where(n => ThroughputBucket.StartOf(n) < time.GetUtcNow() - TimeSpan.FromHours(1)).ToArray())
            {
                _buckets.Remove(number);
            }
        }
        return Task.FromResult(false);
    }

    private TaskIndexEntry WithChildren(TaskIndexEntry entry) =>
        _children.TryGetValue(entry.TaskId, out var children) ? entry with { Children = children.Ids.ToArray() } : entry;

    private IEnumerable<TaskIndexEntry> Entries() =>
        _tasks.Select(t => TaskIndexEntry.FromFields(t.Key, t.Value)).OfType<TaskIndexEntry>();
}
