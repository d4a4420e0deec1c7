using System.ComponentModel.DataAnnotations;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>
/// Queues and routes, as Celery's <c>task_queues</c> and <c>task_routes</c> expressed them. Bound from
/// <c>TaskProcessor:Routing</c>; the defaults are the seed's.
/// </summary>
public sealed class RoutingOptions
{
    public const string Section = "TaskProcessor:Routing";

    /// <summary>
    /// Queues by name. Configuration adds to or overrides these entries
    /// (<c>TaskProcessor__Routing__Queues__email__DefaultPriority=4</c>).
    /// </summary>
    public Dictionary<string, QueueOptions> Queues { get; set; } = new(StringComparer.Ordinal)
    {
        [QueueNames.Default] = new() { DefaultPriority = 5 },
        [QueueNames.Email] = new() { DefaultPriority = 3 },
        [QueueNames.Reports] = new() { DefaultPriority = 5 },
        [QueueNames.Analytics] = new() { DefaultPriority = 2 },
        [QueueNames.Cleanup] = new() { DefaultPriority = 1 },
    };

    /// <summary>
    /// Routes tried in order; the first whose pattern matches the task name wins. Left empty, the seed's
    /// routes apply (<c>afirgen_tasks.&lt;queue&gt;.*</c> for email, reports, analytics and cleanup).
    /// </summary>
    public List<RouteRule> Routes { get; set; } = [];

    /// <summary>Where a task no route matches goes (Celery's <c>task_default_queue</c>).</summary>
    [Required]
    public string DefaultQueue { get; set; } = QueueNames.Default;

    /// <summary>The seed's routes.</summary>
    public static IReadOnlyList<RouteRule> SeedRoutes { get; } =
    [
        new() { Pattern = "afirgen_tasks.email.*", Queue = QueueNames.Email },
        new() { Pattern = "afirgen_tasks.reports.*", Queue = QueueNames.Reports },
        new() { Pattern = "afirgen_tasks.analytics.*", Queue = QueueNames.Analytics },
        new() { Pattern = "afirgen_tasks.cleanup.*", Queue = QueueNames.Cleanup },
    ];
}

/// <summary>One queue's settings.</summary>
public sealed class QueueOptions
{
    /// <summary>The priority a task on this queue gets when neither the producer nor the task sets one.</summary>
    [Range(1, 10)]
    public int DefaultPriority { get; set; } = 5;
}

/// <summary>One entry of Celery's <c>task_routes</c>: a glob over task names and where it sends them.</summary>
public sealed class RouteRule
{
    /// <summary>A Celery (fnmatch) glob: <c>*</c> any run of characters, <c>?</c> one, <c>[abc]</c>/<c>[!abc]</c> a set.</summary>
    [Required]
    public string Pattern { get; set; } = "";

    /// <summary>The queue matching tasks go to.</summary>
    [Required]
    public string Queue { get; set; } = "";

    /// <summary>A priority for matching tasks, above the queue's default (Celery routes may carry one).</summary>
    [Range(1, 10)]
    public int? Priority { get; set; }
}
