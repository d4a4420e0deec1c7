namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>
/// Queues and routes, as Celery's <c>task_queues</c> and <c>task_routes</c> expressed them. Bound from
/// <c>TaskProcessor:Routing</c> over the application's defaults (see <see cref="Hosting.OptionsDefaults{TOptions}"/>).
/// </summary>
public sealed class RoutingOptions
{
    public const string Section = "TaskProcessor:Routing";

    /// <summary>
    /// Queues by name. Configuration adds to or overrides the application's entries
    /// (<c>TaskProcessor__Routing__Queues__email__DefaultPriority=4</c>); a queue added by configuration has no lanes
    /// unless it names them (see <see cref="QueueOptions.Lanes"/>).
    /// </summary>
    public Dictionary<string, QueueOptions> Queues { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Routes tried in order; the first whose pattern matches the task name wins. Left empty, the application's
    /// <see cref="DefaultRoutes"/> apply; configured routes replace them entirely, as Celery's <c>task_routes</c> does.
    /// </summary>
    public List<RouteRule> Routes { get; set; } = [];

    /// <summary>Where a task no route matches goes (Celery's <c>task_default_queue</c>).</summary>
    public string DefaultQueue { get; set; } = "default";

    /// <summary>
    /// The application's routes, used while <see cref="Routes"/> is empty. Set by the application's registration:
    /// a configured list would be appended to a default one rather than replace it, so defaults live apart.
    /// </summary>
    public IReadOnlyList<RouteRule> DefaultRoutes { get; set; } = [];

    /// <summary>The routes in force: the configured ones, else the application's defaults.</summary>
    public IReadOnlyList<RouteRule> EffectiveRoutes => Routes.Count > 0 ? Routes : DefaultRoutes;
}

/// <summary>One queue's settings.</summary>
public sealed class QueueOptions
{
    /// <summary>The priority a task on this queue gets when neither the producer nor the task sets one.</summary>
    public int DefaultPriority { get; set; } = 5;

    /// <summary>
    /// Priority lanes by name: on Service Bus, which has no message priority, each lane is a queue of its own,
    /// <c>&lt;queue&gt;-&lt;lane&gt;</c>, taking the priorities of its band; the queue itself takes the rest. The
    /// engine serves a higher lane first (see <see cref="QueueLanes"/>). Brokers with native priority (the embedded
    /// broker, the Redis transport) order the whole backlog by priority and keep one queue.
    /// </summary>
    public Dictionary<string, LaneOptions> Lanes { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One priority lane of a queue: the band of priorities it takes.</summary>
public sealed class LaneOptions
{
    /// <summary>The lowest priority this lane takes; at least 2, so that the queue itself keeps priority 1.</summary>
    public int MinPriority { get; set; } = 7;

    /// <summary>The highest priority this lane takes.</summary>
    public int MaxPriority { get; set; } = 10;

    /// <summary>False turns the lane off (a lane the application gives a queue cannot be removed from configuration otherwise).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>One entry of Celery's <c>task_routes</c>: a glob over task names and where it sends them.</summary>
public sealed class RouteRule
{
    /// <summary>A Celery (fnmatch) glob: <c>*</c> any run of characters, <c>?</c> one, <c>[abc]</c>/<c>[!abc]</c> a set.</summary>
    public string Pattern { get; set; } = "";

    /// <summary>The queue matching tasks go to.</summary>
    public string Queue { get; set; } = "";

    /// <summary>A priority for matching tasks, above the queue's default (Celery routes may carry one).</summary>
    public int? Priority { get; set; }
}
