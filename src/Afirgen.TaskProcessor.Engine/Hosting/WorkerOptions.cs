namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// One worker instance's capacity (Celery's <c>worker_concurrency</c>, <c>worker_prefetch_multiplier</c>
/// and <c>-Q</c>). In the Functions app these are sized from the same numbers as host.json's
/// <c>maxConcurrentCalls</c> and <c>prefetchCount</c>.
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "TaskProcessor:Worker";

    /// <summary>
    /// This instance's name in monitoring and in extended results (Celery's <c>-n</c>); default
    /// <c>afirgen-tasks-&lt;pid&gt;@&lt;host&gt;</c>. Must differ between instances sharing a Redis.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Tasks run at once per instance: the priority gate's slots. 1 is Celery's <c>solo</c> pool.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>Messages taken from each queue ahead of a free slot = <see cref="Concurrency"/> × this.</summary>
    public int PrefetchMultiplier { get; set; } = 4;

    /// <summary>The queues this instance consumes (Celery's <c>-Q</c>); empty for every configured queue.</summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>Optional caps per queue: at most this many of the instance's slots for that queue at once.</summary>
    public Dictionary<string, int> QueueConcurrency { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Slots beside <see cref="Concurrency"/> that only the higher lanes of a queue with lanes take
    /// (<c>TaskProcessor:Routing:Queues:&lt;name&gt;:Lanes</c>): a high-lane task starts as soon as it reaches the
    /// instance, however long the tasks in the shared slots run. 0 leaves lanes only their priority. Only on a broker
    /// that keeps lanes as queues (Service Bus); the embedded broker and the Redis transport order by priority alone.
    /// </summary>
    public int LaneSlots { get; set; } = 1;

    /// <summary>
    /// Shared slots the higher lanes of a queue take in a row while a lower lane of it waits; the next goes to the
    /// lower lane, so it gets at least one start in every this + 1.
    /// </summary>
    public int HigherLaneStreak { get; set; } = 4;

    /// <summary>How long locks of running tasks are renewed at most; keep it above the hard time limit.</summary>
    public TimeSpan MaxLockRenewal { get; set; } = TimeSpan.FromMinutes(65);

    /// <summary>Messages taken from each queue ahead of a free slot.</summary>
    public int PrefetchCount => Concurrency * PrefetchMultiplier;
}
