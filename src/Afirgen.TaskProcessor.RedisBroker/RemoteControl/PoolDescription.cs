using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>This worker's pool as Celery's <c>stats</c> and <c>conf</c> describe it: its size, queues, prefetch and time limits, as they are now.</summary>
internal sealed class PoolDescription(WorkerPool pool, IServiceProvider services, IOptions<WorkerOptions> worker, IOptions<TimeLimitOptions> limits)
{
    public int Concurrency => pool.Concurrency;

    /// <summary>The queues consumed now (remote control may have added or cancelled some); none when the broker pushes.</summary>
    public IReadOnlyList<string> Queues => Consumer?.Queues ?? [];

    /// <summary>The prefetch count now (remote control may have resized the pool since the start).</summary>
    public int PrefetchCount => Consumer?.PrefetchCount ?? worker.Value.PrefetchCount;

    public int PrefetchMultiplier => worker.Value.PrefetchMultiplier;

    public TimeLimitOptions TimeLimits => limits.Value;

    private QueueConsumerService? Consumer => services.GetService<QueueConsumerService>();

    /// <summary>Celery's pool <c>info()</c>, as <c>stats</c> shows it.</summary>
    public JsonObject PoolInfo(int processId) => new()
    {
        ["implementation"] = "afirgen-tasks:async",
        ["max-concurrency"] = pool.Concurrency,
        ["processes"] = new JsonArray(processId),
        ["max-tasks-per-child"] = "N/A",
        ["put-guarded-by-semaphore"] = false,
        ["timeouts"] = new JsonArray(limits.Value.Soft.TotalSeconds, limits.Value.Hard.TotalSeconds),
    };
}
