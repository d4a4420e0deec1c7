using Afirgen.TaskProcessor.Engine.Priority;

namespace Afirgen.TaskProcessor.Engine.Tests.Priority;

/// <summary>The gate's lane rule, slot by slot: reserved slots, strict preference, the higher lanes' streak.</summary>
public sealed class LaneGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static LaneServing Lanes(int reserved = 1, int streak = 4) =>
        new(new Dictionary<string, int[]> { ["reports"] = [7] }, reserved, streak);

    [Fact]
    public async Task LaneWork_TakesAReservedSlot_WhenTheSharedOnesAreBusy_AndTheQueueCannot()
    {
        var gate = new PriorityGate(2, lanes: Lanes());
        var shared = new[] { await gate.EnterAsync(5, "reports", CancellationToken.None), await gate.EnterAsync(5, "reports", CancellationToken.None) };
        var normal = gate.EnterAsync(5, "reports", CancellationToken.None);
        var high = gate.EnterAsync(8, "reports", CancellationToken.None);

        Assert.False(normal.IsCompleted);
        Assert.True(high.IsCompletedSuccessfully);
        Assert.True((await high).IsReserved);
        Assert.Equal(3, gate.Running);
        // A queue without lanes has no reserved slot.
        Assert.False(gate.EnterAsync(9, "email", CancellationToken.None).AsTask().IsCompleted);
        foreach (var slot in shared) slot.Dispose();
        (await normal.AsTask().WaitAsync(Timeout)).Dispose();
    }

    [Fact]
    public async Task AfterTheStreak_TheNextSharedSlotGoesToTheLowerLane()
    {
        var gate = new PriorityGate(1, lanes: Lanes(reserved: 0, streak: 2));
        var order = await OrderOfEntryAsync(gate, [5, 5, 8, 8, 8, 8, 8]);

        // Strict preference, two in a row at most while the lower lane waits, then one of the lower lane's.
        Assert.Equal([8, 8, 5, 8, 8, 5, 8], order);
    }

    [Fact]
    public async Task WithoutLanes_PriorityAloneDecides()
    {
        var gate = new PriorityGate(1);
        var order = await OrderOfEntryAsync(gate, [5, 5, 8, 8, 8, 8, 8]);

        Assert.Equal([8, 8, 8, 8, 8, 5, 5], order);
    }

    /// <summary>
    /// Holds the gate's one slot, queues a waiter per priority (in the order given), releases the slot and returns the
    /// priorities in the order the gate let them in, each waiter leaving at once.
    /// </summary>
    private static async Task<List<int>> OrderOfEntryAsync(PriorityGate gate, int[] priorities)
    {
        var holder = await gate.EnterAsync(5, "reports", CancellationToken.None);
        var order = new List<int>();
        var waiters = new List<Task>();
        foreach (var priority in priorities)
        {
            var pending = gate.EnterAsync(priority, "reports", CancellationToken.None).AsTask();
            waiters.Add(pending.ContinueWith(t => { lock (order) order.Add(priority); t.Result.Dispose(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        holder.Dispose();
        await Task.WhenAll(waiters).WaitAsync(Timeout);
        return order;
    }
}
