using System.Diagnostics;

namespace Afirgen.TaskProcessor.Engine.Diagnostics;

/// <summary>
/// An asynchronous wait that ends as soon after its delay as the OS wakes a thread, for the diagnostic
/// sleep task. <see cref="Task.Delay(TimeSpan)"/> on Linux runs on <see cref="Environment.TickCount64"/>,
/// which .NET reads from <c>CLOCK_MONOTONIC_COARSE</c> (dotnet/coreclr#2293): it moves in kernel ticks, 4 ms
/// on a 250 Hz kernel such as this project's machine, so <c>Task.Delay(10)</c> lasts 12 ms on average there
/// while Python's <c>time.sleep(0.01)</c> lasts 10.1 ms. A task that stands for 10 ms of I/O should wait
/// 10 ms, as a socket's reply wakes its reader without any timer, so the sleep task waits here.
/// </summary>
/// <remarks>
/// One background thread keeps the pending waits ordered by due time (<see cref="Stopwatch"/> ticks) and
/// sleeps on a monitor until the first is due; the monitor's timed wait is precise on Linux (about 0.1 ms
/// late). Waits are completed with continuations run asynchronously, so no task's work runs on that thread.
/// A cancelled wait ends at once; its entry stays queued until its due time and is then skipped.
/// </remarks>
internal static class PreciseDelay
{
    private static readonly object Gate = new();
    private static readonly PriorityQueue<TaskCompletionSource, long> Pending = new();
    private static Thread? _thread;

    /// <summary>Completes after <paramref name="delay"/>, or is cancelled by <paramref name="cancellationToken"/>.</summary>
    public static Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }
        var due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate)
        {
            var earliest = Pending.TryPeek(out _, out var first) ? first : long.MaxValue;
            Pending.Enqueue(wait, due);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "afirgen precise delay" };
                _thread.Start();
            }
            else if (due < earliest)
            {
                Monitor.Pulse(Gate);
            }
        }
        if (!cancellationToken.CanBeCanceled)
        {
            return wait.Task;
        }
        var registration = cancellationToken.Register(static state =>
        {
            var (source, token) = ((TaskCompletionSource, CancellationToken))state!;
            source.TrySetCanceled(token);
        }, (wait, cancellationToken));
        return WithRegistration(wait.Task, registration);
    }

    private static async Task WithRegistration(Task wait, CancellationTokenRegistration registration)
    {
        using (registration)
        {
            await wait.ConfigureAwait(false);
        }
    }

    private static void Run()
    {
        var due = new List<TaskCompletionSource>();
        while (true)
        {
            lock (Gate)
            {
                while (true)
                {
                    if (!Pending.TryPeek(out _, out var first))
                    {
                        Monitor.Wait(Gate);
                        continue;
                    }
                    var remaining = first - Stopwatch.GetTimestamp();
                    if (remaining <= 0)
                    {
                        break;
                    }
                    // Whole milliseconds, rounded up: never early; woken sooner when an earlier wait arrives.
                    Monitor.Wait(Gate, (int)Math.Min(int.MaxValue, (remaining * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency));
                }
                var now = Stopwatch.GetTimestamp();
                while (Pending.TryPeek(out var wait, out var at) && at <= now)
                {
                    Pending.Dequeue();
                    due.Add(wait);
                }
            }
            foreach (var wait in due)
            {
                wait.TrySetResult();
            }
            due.Clear();
        }
    }
}
