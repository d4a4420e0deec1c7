using Afirgen.TaskProcessor.Engine.Priority;

namespace Afirgen.TaskProcessor.Engine.Tests.Priority;

public sealed class PriorityGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Enter_GrantsAtOnce_WhileSlotsAreFree()
    {
        var gate = new PriorityGate(2);
        var a = gate.EnterAsync(1, "q", CancellationToken.None);
        var b = gate.EnterAsync(1, "q", CancellationToken.None);
        Assert.True(a.IsCompletedSuccessfully);
        Assert.True(b.IsCompletedSuccessfully);
        var c = gate.EnterAsync(1, "q", CancellationToken.None);
        Assert.False(c.IsCompleted);
        Assert.Equal(2, gate.Running);
        Assert.Equal(1, gate.Waiting);
        (await a).Dispose();
        using var third = await c.AsTask().WaitAsync(Timeout);
        (await b).Dispose();
    }

    [Fact]
    public async Task Release_ServesHighestPriorityFirst_FifoWithinAPriority()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, "q", CancellationToken.None);
        var order = new List<string>();
        var waiters = new List<Task>();
        // Arrival order: low ones first, so a FIFO gate would get this wrong.
        foreach (var (name, priority) in new[] { ("p1-a", 1), ("p1-b", 1), ("p5-a", 5), ("p10-a", 10), ("p5-b", 5), ("p10-b", 10), ("p3", 3) })
        {
            var pending = gate.EnterAsync(priority, "q", CancellationToken.None).AsTask();
            waiters.Add(pending.ContinueWith(t => { lock (order) order.Add(name); t.Result.Dispose(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        holder.Dispose();
        await Task.WhenAll(waiters).WaitAsync(Timeout);
        Assert.Equal(["p10-a", "p10-b", "p5-a", "p5-b", "p3", "p1-a", "p1-b"], order);
    }

    [Fact]
    public async Task Release_KeepsPriorityOrder_UnderContention()
    {
        // 400 waiters arriving from 8 threads at once: every priority-10 waiter starts before any priority-1
        // waiter. One slot, so the order the continuations record is the order the gate granted.
        var gate = new PriorityGate(1);
        var holders = new List<GateSlot> { await gate.EnterAsync(5, "q", CancellationToken.None) };

        var started = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var tasks = new System.Collections.Concurrent.ConcurrentBag<Task>();
        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            var priority = i % 2 == 0 ? 10 : 1;
            tasks.Add(gate.EnterAsync(priority, "q", CancellationToken.None).AsTask().ContinueWith(async t =>
            {
                started.Enqueue(priority);
                await Task.Yield();
                t.Result.Dispose();
            }, TaskScheduler.Default).Unwrap());
            return ValueTask.CompletedTask;
        });
        Assert.Equal(400, gate.Waiting);
        holders.ForEach(h => h.Dispose());
        await Task.WhenAll(tasks).WaitAsync(Timeout);

        var sequence = started.ToArray();
        Assert.Equal(400, sequence.Length);
        Assert.All(sequence.Take(200), p => Assert.Equal(10, p));
        Assert.All(sequence.Skip(200), p => Assert.Equal(1, p));
    }

    [Fact]
    public async Task Release_ServesTheOldestMessageFirst_WithinAPriority_WhateverOrderTheyReachTheGate()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, "q", CancellationToken.None);
        var t0 = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var order = new List<string>();
        var waiters = new List<Task>();
        foreach (var (name, seconds) in new[] { ("third", 3), ("first", 1), ("fourth", 4), ("second", 2) })
        {
            var pending = gate.EnterAsync(5, "q", t0.AddSeconds(seconds), CancellationToken.None).AsTask();
            waiters.Add(pending.ContinueWith(t => { lock (order) order.Add(name); t.Result.Dispose(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        holder.Dispose();
        await Task.WhenAll(waiters).WaitAsync(Timeout);
        Assert.Equal(["first", "second", "third", "fourth"], order);
    }

    [Fact]
    public async Task QueueCap_LetsOtherQueuesThrough_WhenOneQueueIsAtItsCap()
    {
        var gate = new PriorityGate(3, new Dictionary<string, int> { ["reports"] = 1 });
        var report = await gate.EnterAsync(5, "reports", CancellationToken.None);
        var secondReport = gate.EnterAsync(10, "reports", CancellationToken.None);
        Assert.False(secondReport.IsCompleted); // capped, though a slot is free
        var email = gate.EnterAsync(1, "email", CancellationToken.None);
        Assert.True(email.IsCompletedSuccessfully);
        report.Dispose();
        using var granted = await secondReport.AsTask().WaitAsync(Timeout);
        (await email).Dispose();
    }

    [Fact]
    public async Task Enter_GivesUpItsPlace_WhenCancelled()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, "q", CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(10, "q", cts.Token).AsTask();
        var next = gate.EnterAsync(1, "q", CancellationToken.None).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.Equal(1, gate.Waiting);
        holder.Dispose();
        using var granted = await next.WaitAsync(Timeout);
        Assert.Equal(1, gate.Running);
    }

    [Fact]
    public async Task Slot_FreesOnlyOnce_WhenDisposedTwice()
    {
        var gate = new PriorityGate(1);
        var slot = await gate.EnterAsync(5, "q", CancellationToken.None);
        slot.Dispose();
        slot.Dispose();
        Assert.Equal(0, gate.Running);
        using var again = await gate.EnterAsync(5, "q", CancellationToken.None);
        Assert.Equal(1, gate.Running);
    }

    [Fact]
    public async Task Resize_AdmitsWaitersWhenGrown_AndAdmitsNoMoreUntilBelowWhenShrunk()
    {
        var gate = new PriorityGate(1);
        var a = await gate.EnterAsync(1, "q", CancellationToken.None);
        var b = gate.EnterAsync(1, "q", CancellationToken.None).AsTask();
        var c = gate.EnterAsync(1, "q", CancellationToken.None).AsTask();
        Assert.False(b.IsCompleted);

        gate.Resize(3);
        Assert.Equal(3, gate.Concurrency);
        using var second = await b.WaitAsync(Timeout);
        using var third = await c.WaitAsync(Timeout);

        // Three run; shrunk to one, they finish, and a newcomer waits until fewer than one run.
        gate.Resize(1);
        var d = gate.EnterAsync(1, "q", CancellationToken.None).AsTask();
        a.Dispose();
        second.Dispose();
        Assert.False(d.IsCompleted);
        third.Dispose();
        using var fourth = await d.WaitAsync(Timeout);
        Assert.Equal(1, gate.Running);
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Resize(0));
    }
}
