using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>A task whose instance stopped heartbeating while running it: its message waits for its lock to expire.</summary>
/// <param name="Task">The task as its instance last reported it.</param>
/// <param name="Worker">The instance that was running it.</param>
/// <param name="LastHeartbeat">When that instance was last heard of.</param>
/// <param name="RedeliveryBy">When its lock expires at the latest, and the broker hands it to another worker.</param>
public sealed record LostTask(ActiveTask Task, string Worker, DateTimeOffset LastHeartbeat, DateTimeOffset RedeliveryBy);

/// <summary>The instances alive now, those that stopped heartbeating recently, and the tasks of those.</summary>
public sealed record WorkersView(IReadOnlyList<InstanceState> Alive, IReadOnlyList<InstanceState> Gone, IReadOnlyList<LostTask> Lost);

/// <summary>Reads the monitoring state the way the API shows it: live instances, and lost tasks of dead ones.</summary>
public sealed class MonitoringReader(IMonitoringStore store, IResultStore results, TimeProvider time)
{
    public IMonitoringStore Store => store;

    public async Task<WorkersView> GetWorkersAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = await store.GetInstancesAsync(cancellationToken).ConfigureAwait(false);
        var alive = all.Where(i => i.IsAliveAt(now)).ToArray();
        var gone = all.Where(i => !i.IsAliveAt(now)).ToArray();
        var runningNow = alive.SelectMany(i => i.Active).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        var candidates = gone
            .SelectMany(i => i.Active.Select(t => new LostTask(t, i.Name, i.HeartbeatAt, i.HeartbeatAt + i.LockDuration)))
            .Where(l => l.RedeliveryBy > now && !runningNow.Contains(l.Task.TaskId))
            .ToArray();
        var lost = new List<LostTask>(candidates.Length);
        foreach (var candidate in candidates)
        {
            // Finished just before its instance died (the result is stored first): not lost.
            var result = await results.GetAsync(candidate.Task.TaskId, cancellationToken).ConfigureAwait(false);
            if (result is null || !TaskStates.IsTerminal(result.Status))
            {
                lost.Add(candidate);
            }
        }
        return new WorkersView(alive, gone, lost);
    }
}
