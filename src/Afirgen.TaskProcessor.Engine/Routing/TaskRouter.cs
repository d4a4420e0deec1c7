using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>Routes task names to queues by the configured patterns, first match wins.</summary>
public sealed class TaskRouter
{
    private readonly (Regex Pattern, RouteRule Rule)[] _routes;
    private readonly RoutingOptions _options;
    // Task names are few and repeat endlessly: route each once.
    private readonly ConcurrentDictionary<string, TaskRoute> _cache = new(StringComparer.Ordinal);

    public TaskRouter(IOptions<RoutingOptions> options)
    {
        _options = options.Value;
        _routes = _options.EffectiveRoutes.Select(r => (GlobPattern.Compile(r.Pattern), r)).ToArray();
    }

    /// <summary>Every configured queue name, in configuration order.</summary>
    public IReadOnlyList<string> Queues => _options.Queues.Keys.ToArray();

    /// <summary>True when <paramref name="queue"/> is a configured queue.</summary>
    public bool IsKnownQueue(string queue) => _options.Queues.ContainsKey(queue);

    /// <summary>The default priority of <paramref name="queue"/> (5 for a queue not configured).</summary>
    public int DefaultPriorityOf(string queue) =>
        _options.Queues.TryGetValue(queue, out var q) ? q.DefaultPriority : 5;

    /// <summary>The route for <paramref name="taskName"/>.</summary>
    public TaskRoute Route(string taskName) => _cache.GetOrAdd(taskName, static (name, self) => self.Resolve(name), this);

    private TaskRoute Resolve(string taskName)
    {
        foreach (var (pattern, rule) in _routes)
        {
            if (pattern.IsMatch(taskName))
            {
                return new TaskRoute(rule.Queue, rule.Priority ?? DefaultPriorityOf(rule.Queue));
            }
        }
        return new TaskRoute(_options.DefaultQueue, DefaultPriorityOf(_options.DefaultQueue));
    }
}
