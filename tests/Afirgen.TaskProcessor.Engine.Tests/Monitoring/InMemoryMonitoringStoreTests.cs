using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Monitoring;

/// <summary>The in-memory store (a host without Redis) keeps the same rules as the Redis one.</summary>
public sealed class InMemoryMonitoringStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    private InMemoryMonitoringStore Store() => new(
        Options.Create(new ResultOptions { Expires = TimeSpan.FromHours(1) }), Options.Create(new MonitoringOptions { MaxIndexedTasks = 100 }), _time);

    [Fact]
    public async Task Index_KeepsTheNewestState_FiltersAndTrims()
    {
        var store = Store();
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([
            new TaskIndexEntry("a", TaskStates.Success, t0.AddSeconds(2)) { Name = "x" },
            new TaskIndexEntry("a", TaskStates.Pending, t0) { Sent = t0 },
            new TaskIndexEntry("b", TaskStates.Failure, t0.AddSeconds(1)) { Name = "y" },
        ], CancellationToken.None);

        var a = await store.GetTaskAsync("a", CancellationToken.None);
        Assert.Equal((TaskStates.Success, "x", (DateTimeOffset?)t0), (a!.State, a.Name, a.Sent));
        Assert.Equal(["a", "b"], (await store.QueryTasksAsync(new TaskQuery(), CancellationToken.None)).Select(e => e.TaskId));
        Assert.Equal("b", Assert.Single(await store.QueryTasksAsync(new TaskQuery { State = TaskStates.Failure }, CancellationToken.None)).TaskId);
        var buckets = await store.GetThroughputAsync(t0, CancellationToken.None);
        Assert.Equal((1L, 1L), (buckets[0].Succeeded, buckets[0].Failed));

        _time.Advance(TimeSpan.FromHours(2));
        await store.TrimAsync(CancellationToken.None);
        Assert.Empty(await store.QueryTasksAsync(new TaskQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Lineage_AParentListsItsStartedChildrenInOrder_AndLosesThemWhenTrimmed()
    {
        var store = Store();
        var t0 = _time.GetUtcNow();
        await store.WriteTaskUpdatesAsync([
            new TaskIndexEntry("root", TaskStates.Started, t0) { Chain = [new("next", "tasks.b")] },
            new TaskIndexEntry("c1", TaskStates.Started, t0.AddSeconds(1)) { ParentId = "root", RootId = "root" },
            new TaskIndexEntry("c2", TaskStates.Started, t0.AddSeconds(2)) { ParentId = "root", RootId = "root" },
            new TaskIndexEntry("c1", TaskStates.Started, t0.AddSeconds(3)) { ParentId = "root", RootId = "root", Retries = 1 },
        ], CancellationToken.None);

        var root = await store.GetTaskAsync("root", CancellationToken.None);
        Assert.Equal((null, "root"), (root!.ParentId, root.RootId));
        Assert.Equal(["c1", "c2"], root.Children);
        Assert.Equal("next", Assert.Single(root.Chain).TaskId);
        Assert.Equal(["c1", "c2"], (await store.QueryTasksAsync(new TaskQuery { TaskName = null }, CancellationToken.None)).Single(e => e.TaskId == "root").Children);

        _time.Advance(TimeSpan.FromHours(2));
        await store.TrimAsync(CancellationToken.None);
        await store.WriteTaskUpdatesAsync([new TaskIndexEntry("root", TaskStates.Started, _time.GetUtcNow())], CancellationToken.None);
        Assert.Empty((await store.GetTaskAsync("root", CancellationToken.None))!.Children);
    }

    [Fact]
    public void Then_KeepsTheLaterStateAndEveryField_WhicheverArrivesFirst()
    {
        var t0 = _time.GetUtcNow();
        var started = new TaskIndexEntry("a", TaskStates.Started, t0) { Name = "x", Worker = "w1", Started = t0 };
        var succeeded = new TaskIndexEntry("a", TaskStates.Success, t0.AddSeconds(1)) { Succeeded = t0.AddSeconds(1), Runtime = 1 };
        foreach (var merged in new[] { started.Then(succeeded), succeeded.Then(started) })
        {
            Assert.Equal((TaskStates.Success, "x", "w1", (double?)1), (merged.State, merged.Name, merged.Worker, merged.Runtime));
            Assert.Equal(t0, merged.Started);
        }
        var lineage = started with { ParentId = "p", RootId = "r", Chain = [new("n", "tasks.n")] };
        foreach (var merged in new[] { lineage.Then(succeeded), succeeded.Then(lineage) })
        {
            Assert.Equal(("p", "r", "n"), (merged.ParentId, merged.RootId, merged.Chain![0].TaskId));
        }
    }
}
