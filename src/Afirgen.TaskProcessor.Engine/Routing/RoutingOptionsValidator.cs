using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>Checks at start-up that every route and the default queue name a configured queue.</summary>
internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var failures = new List<string>();
        if (options.Queues.Count == 0)
        {
            failures.Add("No queues are configured under TaskProcessor:Routing:Queues; configure at least the default queue.");
        }
        foreach (var (queue, q) in options.Queues)
        {
            if (q.DefaultPriority is < 1 or > 10)
            {
                failures.Add($"Queue '{queue}' has default priority {q.DefaultPriority}; use 1 (lowest) to 10 (highest).");
            }
        }
        if (!options.Queues.ContainsKey(options.DefaultQueue))
        {
            failures.Add($"The default queue '{options.DefaultQueue}' is not among the configured queues ({string.Join(", ", options.Queues.Keys)}).");
        }
        foreach (var rule in options.Routes)
        {
            if (string.IsNullOrWhiteSpace(rule.Pattern))
            {
                failures.Add("A route under TaskProcessor:Routing:Routes has no Pattern.");
            }
            if (!options.Queues.ContainsKey(rule.Queue))
            {
                failures.Add($"The route '{rule.Pattern}' sends tasks to queue '{rule.Queue}', which is not configured under TaskProcessor:Routing:Queues.");
            }
            if (rule.Priority is < 1 or > 10)
            {
                failures.Add($"The route '{rule.Pattern}' has priority {rule.Priority}; use 1 (lowest) to 10 (highest).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
