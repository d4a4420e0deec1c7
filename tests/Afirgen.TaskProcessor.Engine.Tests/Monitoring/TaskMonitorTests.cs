using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Monitoring;

public sealed class TaskMonitorTests
{
    private static readonly TaskEvent Task1 = new("t-1", "diagnostics.noop", "default", 5, 0, 1, "t-1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
    private static readonly TaskEvent Task2 = Task1 with { TaskId = "t-2", MessageId = "t-2" };

    private static TaskMonitor Monitor(bool taskEvents) =>
        new(TimeProvider.System, new WorkerIdentity(TimeProvider.System, "w@test"), Options.Create(new MonitoringOptions { TaskEvents = taskEvents }));

    private static void RunBoth(TaskMonitor monitor)
    {
        monitor.OnStarted(Task1);
        monitor.OnSucceeded(Task1, null);
        monitor.OnFinished(Task1);
        monitor.OnStarted(Task2);
        monitor.OnFailed(Task2, "TaskFailed", "boom");
        monitor.OnFinished(Task2);
    }

    [Fact]
    public void WithTaskEvents_EachStateChangeIsQueuedForTheIndex()
    {
        var monitor = Monitor(taskEvents: true);
        RunBoth(monitor);

        var states = new List<string>();
        while (monitor.TryTake(out var update))
        {
            states.Add($"{update.TaskId}:{update.State}");
        }
        Assert.Equal(["t-1:STARTED", "t-1:SUCCESS", "t-2:STARTED", "t-2:FAILURE"], states);
    }

    [Fact]
    public void WithoutTaskEvents_NothingIsQueuedForTheIndex_ButCountersAndActiveTasksStillCount()
    {
        var monitor = Monitor(taskEvents: false);
        monitor.OnStarted(Task1);
        Assert.Single(monitor.Active);
        monitor.OnSucceeded(Task1, null);
        monitor.OnFinished(Task1);
        monitor.OnStarted(Task2);
        monitor.OnFailed(Task2, "TaskFailed", "boom");
        monitor.OnFinished(Task2);
        monitor.OnRevoked(Task1 with { TaskId = "t-3", MessageId = "t-3" }, "revoked");

        Assert.Equal(0, monitor.PendingEvents);
        Assert.False(monitor.TryTake(out _));
        Assert.Empty(monitor.Active);
        var counters = monitor.Counters["diagnostics.noop"];
        Assert.Equal(2, counters.Received);
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(1, counters.Failed);
        Assert.Equal(1, counters.Revoked);
    }
}
