using Afirgen.TaskProcessor.Engine.Routing;

namespace Afirgen.TaskProcessor.AfirgenTasks.Queues;

/// <summary>
/// AFIRGen's queues, routes and priorities, as its Celery <c>task_queues</c> and <c>task_routes</c> had them: the
/// defaults both hosts give <see cref="RoutingOptions"/>, which configuration (<c>TaskProcessor:Routing</c>) adds to
/// or overrides.
/// </summary>
public static class AfirgenRouting
{
    /// <summary>AFIRGen's routes: <c>afirgen_tasks.&lt;queue&gt;.*</c> for email, reports, analytics and cleanup.</summary>
    public static IReadOnlyList<RouteRule> Routes { get; } =
    [
        new() { Pattern = "afirgen_tasks.email.*", Queue = QueueNames.Email },
        new() { Pattern = "afirgen_tasks.reports.*", Queue = QueueNames.Reports },
        new() { Pattern = "afirgen_tasks.analytics.*", Queue = QueueNames.Analytics },
        new() { Pattern = "afirgen_tasks.cleanup.*", Queue = QueueNames.Cleanup },
    ];

    /// <summary>
    /// Writes AFIRGen's queues (each with its default priority and a <c>high</c> lane for priorities 7–10), its
    /// routes and its default queue into <paramref name="options"/>.
    /// </summary>
    public static void ApplyTo(RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Queues[QueueNames.Default] = Queue(defaultPriority: 5);
        options.Queues[QueueNames.Email] = Queue(defaultPriority: 3);
        options.Queues[QueueNames.Reports] = Queue(defaultPriority: 5);
        options.Queues[QueueNames.Analytics] = Queue(defaultPriority: 2);
        options.Queues[QueueNames.Cleanup] = Queue(defaultPriority: 1);
        options.DefaultRoutes = Routes;
        options.DefaultQueue = QueueNames.Default;
    }

    /// <summary>Routing options holding AFIRGen's defaults alone, as a host has them before its configuration is read.</summary>
    public static RoutingOptions CreateOptions()
    {
        var options = new RoutingOptions();
        ApplyTo(options);
        return options;
    }

    private static QueueOptions Queue(int defaultPriority) => new() { DefaultPriority = defaultPriority, Lanes = { [QueueLanes.High] = new() } };
}
