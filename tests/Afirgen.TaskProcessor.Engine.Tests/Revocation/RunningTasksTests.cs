using Afirgen.TaskProcessor.Engine.Revocation;

namespace Afirgen.TaskProcessor.Engine.Tests.Revocation;

/// <summary>What a revocation does to the tasks of this process: waiting ones do not start, running ones go on unless terminated.</summary>
public sealed class RunningTasksTests
{
    [Fact]
    public void ARevokeStopsTheWaitingTasksOfItsId_AndLeavesRunsAndOtherIdsAlone()
    {
        var tasks = new RunningTasks();
        var waiting = tasks.RegisterWaiting("a");
        var other = tasks.RegisterWaiting("b");
        var running = tasks.Register("a");

        Assert.Equal(0, tasks.Revoke("a", terminate: false)); // no run cancelled

        Assert.True(waiting.Revoked);
        Assert.False(other.Revoked);
        Assert.False(running.Revoked);
        Assert.False(running.Terminated);
        Assert.Equal(1, tasks.Count);
        Assert.Equal(2, tasks.WaitingCount);
    }

    [Fact]
    public void ATaskThatGotItsSlot_IsARun_WhichARevokeWithoutTerminateNoLongerStops()
    {
        var tasks = new RunningTasks();
        var handle = tasks.RegisterWaiting("a");
        tasks.Start(handle);

        tasks.Revoke("a", terminate: false);
        Assert.False(handle.Revoked);
        Assert.True(tasks.IsRunning("a"));
        Assert.Equal((1, 0), (tasks.Count, tasks.WaitingCount));

        tasks.Unregister(handle);
        Assert.Equal((0, 0), (tasks.Count, tasks.WaitingCount));
    }

    [Fact]
    public void TerminateCancelsTheRuns_AndStopsTheWaitingTasksToo()
    {
        var tasks = new RunningTasks();
        var waiting = tasks.RegisterWaiting("a");
        var running = tasks.Register("a");

        Assert.Equal(1, tasks.Revoke("a", terminate: true));
        Assert.True(running.Terminated);
        Assert.True(waiting.Revoked);
        Assert.False(tasks.IsRunning("b"));

        tasks.Unregister(waiting);
        Assert.Equal(0, tasks.WaitingCount);
    }
}
