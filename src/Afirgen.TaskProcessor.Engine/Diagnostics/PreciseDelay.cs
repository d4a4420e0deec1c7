using System.Diagnostics;
using System.Runtime.InteropServices;

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
/// late) but counts whole milliseconds, so the last fraction of a millisecond is slept with <c>nanosleep</c>
/// (elsewhere, rounded up to a millisecond), both without Linux's timer slack. The waits due at a wake-up are completed together by one thread-pool
/// work item (their continuations run there, one after another), so no task's work runs on the timer thread and a
/// wake-up costs one hand-off, not one per wait.
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
        var wait = new TaskCompletionSource();
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
        return WithRegistrationAsync(wait.Task, registration);
    }

    private static async Task WithRegistrationAsync(Task wait, CancellationTokenRegistration registration)
    {
        using (registration)
        {
            await wait.ConfigureAwait(false);
        }
    }

    private static void Run()
    {
        if (OperatingSystem.IsLinux())
        {
            // Linux lets a timed wait end up to the thread's timer slack late (50 µs by default) to batch wake-ups; this
            // thread's waits are the delays themselves, so it asks for none. Failure only leaves the default.
            _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);
        }
        var due = new List<TaskCompletionSource>();
        while (true)
        {
            var briefSleep = TakeDue(due);
            if (briefSleep > 0)
            {
                // Outside the gate, so waits can still be enqueued; one due sooner than this waits at most this long.
                SleepBriefly(briefSleep);
                continue;
            }
            if (due.Count > 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static list =>
                {
                    foreach (var wait in list)
                    {
                        wait.TrySetResult();
                    }
                }, due, preferLocal: false);
                due = new List<TaskCompletionSource>();
            }
        }
    }

    /// <summary>
    /// Waits under the gate until a wait is due, and moves the due ones to <paramref name="due"/>; or, on Linux, returns
    /// the stopwatch ticks (under a millisecond) to sleep outside the gate before the first is due.
    /// </summary>
    private static long TakeDue(List<TaskCompletionSource> due)
    {
        var briefSleep = 0L;
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
                var wholeMilliseconds = remaining * 1000 / Stopwatch.Frequency;
                if (wholeMilliseconds >= 1)
                {
                    // The monitor's wait counts whole milliseconds: wait those (woken sooner when an earlier
                    // wait arrives), then the rest below.
                    Monitor.Wait(Gate, (int)Math.Min(int.MaxValue, wholeMilliseconds));
                }
                else if (OperatingSystem.IsLinux())
                {
                    briefSleep = remaining;
                    break;
                }
                else
                {
                    // No sub-millisecond sleep here: round up to a whole millisecond, never early.
                    Monitor.Wait(Gate, 1);
                }
            }
            var now = Stopwatch.GetTimestamp();
            while (briefSleep == 0 && Pending.TryPeek(out var wait, out var at) && at <= now)
            {
                Pending.Dequeue();
                due.Add(wait);
            }
        }
        return briefSleep;
    }

    /// <summary>Sleeps the thread for <paramref name="stopwatchTicks"/> (under a millisecond) with <c>nanosleep</c>.</summary>
    private static void SleepBriefly(long stopwatchTicks)
    {
        var request = new Timespec { Seconds = 0, Nanoseconds = stopwatchTicks * 1_000_000_000 / Stopwatch.Frequency };
        // Interrupted by a signal (EINTR): the loop looks at the time again, so no retry here.
        _ = nanosleep(in request, out _);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private const int PrSetTimerSlack = 29;

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", SetLastError = true)]
    private static extern int nanosleep(in Timespec request, out Timespec remaining);
}
