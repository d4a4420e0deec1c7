using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Priority;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Control;

/// <summary>
/// This instance's pool, as Celery's remote control resizes it: the priority gate's slots (tasks run at once) and,
/// with them, each queue's prefetch (slots × <see cref="WorkerOptions.PrefetchMultiplier"/>), as Celery moves its
/// prefetch count with <c>pool_grow</c> and <c>pool_shrink</c>. .NET runs tasks on the thread pool, so a slot costs
/// nothing while idle: there are no processes to start or stop.
/// </summary>
public sealed class WorkerPool(PriorityGate gate, IOptions<WorkerOptions> worker, IServiceProvider services)
{
    private readonly object _lock = new();

    /// <summary>The slots now.</summary>
    public int Concurrency => gate.Concurrency;

    /// <summary>Adds <paramref name="n"/> slots; returns the new number.</summary>
    public int Grow(int n) => Resize(c => c + Math.Max(0, n));

    /// <summary>Removes <paramref name="n"/> slots, keeping at least one; returns the new number.</summary>
    public int Shrink(int n) => Resize(c => c - Math.Max(0, n));

    /// <summary>Sets the number of slots (at least one); returns it.</summary>
    public int SetConcurrency(int concurrency) => Resize(_ => concurrency);

    private int Resize(Func<int, int> change)
    {
        lock (_lock)
        {
            var concurrency = Math.Clamp(change(gate.Concurrency), 1, 10_000);
            gate.Resize(concurrency);
            services.GetService<QueueConsumerService>()?.SetPrefetchCount(concurrency * worker.Value.PrefetchMultiplier);
            return concurrency;
        }
    }
}
