using System.Collections.Concurrent;
using Afirgen.TaskProcessor.Engine.Batching;

namespace Afirgen.TaskProcessor.Engine.Tests.Batching;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task AnOperationAlone_GoesOutAtOnce_FromTheCallersThread_AsABatchOfOne()
    {
        var sentOn = new ConcurrentQueue<(int Thread, int Count)>();
        await using var commit = new GroupCommit<TaskCompletionSource>(batch =>
        {
            sentOn.Enqueue((Environment.CurrentManagedThreadId, batch.Count));
            batch.ForEach(o => o.SetResult());
            return Task.CompletedTask;
        });
        // Let the pump reach its sleep, as it has in a worker that has been idle.
        await Task.Delay(100);
        var operation = new TaskCompletionSource();

        commit.Add(operation);

        Assert.True(operation.Task.IsCompleted, "a lone operation waited for the pump");
        Assert.Equal((Environment.CurrentManagedThreadId, 1), Assert.Single(sentOn));
    }

    [Fact]
    public async Task OperationsAddedWhileBatchesAreOut_GoTogether_NoBatchLargerThanTheLimit_EachSentOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new ConcurrentQueue<int[]>();
        await using var commit = new GroupCommit<Numbered>(async batch =>
        {
            batches.Enqueue([.. batch.Select(o => o.Number)]);
            await release.Task;
            batch.ForEach(o => o.SetResult());
        }, maxBatch: 20, maxBatchesInFlight: 2);
        await Task.Delay(100);

        var operations = Enumerable.Range(1, 52).Select(n => new Numbered(n)).ToArray();
        commit.Add(operations[0]);          // alone: out at once, holding one slot
        commit.Add(operations[1]);          // to the pump, which sends it in the other slot
        await WaitForAsync(() => batches.Count == 2);
        foreach (var operation in operations[2..])
        {
            commit.Add(operation);          // both slots busy: these wait for a free one
        }
        Assert.Equal(2, batches.Count);

        release.SetResult();
        await Task.WhenAll(operations.Select(o => o.Task));

        var sent = batches.ToArray();
        Assert.Equal(Enumerable.Range(1, 52), sent.SelectMany(b => b).Order());
        Assert.All(sent, b => Assert.InRange(b.Length, 1, 20));
        // The 50 that waited went in batches of the limit, not one by one.
        Assert.Equal(5, sent.Length);
    }

    [Fact]
    public async Task Dispose_SendsWhatWaits_RefusesMore_AndASecondDisposeDoesNothing()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new ConcurrentQueue<int>();
        var commit = new GroupCommit<Numbered>(async batch =>
        {
            await release.Task;
            foreach (var o in batch)
            {
                sent.Enqueue(o.Number);
                o.SetResult();
            }
        }, maxBatch: 256, maxBatchesInFlight: 1);
        await Task.Delay(100);
        var first = new Numbered(1);
        var waiting = new Numbered(2);
        commit.Add(first);
        commit.Add(waiting);

        var disposing = commit.DisposeAsync(static o => o.SetException(new ObjectDisposedException("commit"))).AsTask();
        release.SetResult();
        await disposing;

        Assert.Equal([1, 2], sent.Order());
        Assert.Throws<ObjectDisposedException>(() => commit.Add(new Numbered(3)));
        await commit.DisposeAsync();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; !condition(); i++)
        {
            Assert.True(i < 200, "the condition did not come true within 10 s");
            await Task.Delay(50);
        }
    }

    private sealed class Numbered(int number) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public int Number { get; } = number;
    }
}
