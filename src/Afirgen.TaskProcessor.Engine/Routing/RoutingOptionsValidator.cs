using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>Checks at start-up that every route and the default queue name a configured queue.</summary>
internal sealed partial class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
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
            ValidateLanes(queue, q, options, failures);
        }
        if (!options.Queues.ContainsKey(options.DefaultQueue))
        {
            failures.Add($"The default queue '{options.DefaultQueue}' is not among the configured queues ({string.Join(", ", options.Queues.Keys)}).");
        }
        foreach (var rule in options.EffectiveRoutes)
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

    // Lanes are bands of priorities stacked from 10 down: no overlap, no gap, and priority 1 left to the queue itself.
    private static void ValidateLanes(string queue, QueueOptions q, RoutingOptions options, List<string> failures)
    {
        var setting = $"TaskProcessor:Routing:Queues:{queue}:Lanes";
        var lanes = q.Lanes.Where(l => l.Value.Enabled).OrderByDescending(l => l.Value.MaxPriority).ThenByDescending(l => l.Value.MinPriority).ToList();
        var expectedTop = 10;
        foreach (var (name, lane) in lanes)
        {
            if (!LaneName().IsMatch(name))
            {
                failures.Add($"Lane '{name}' of queue '{queue}' is not a valid name; use lower-case letters and digits only ({setting}).");
                continue;
            }
            if (lane.MinPriority is < 2 or > 10 || lane.MaxPriority is < 2 or > 10 || lane.MinPriority > lane.MaxPriority)
            {
                failures.Add($"Lane '{name}' of queue '{queue}' takes priorities {lane.MinPriority}–{lane.MaxPriority}; use a band within 2–10, lowest first (priority 1 stays with the queue itself) ({setting}:{name}:MinPriority/MaxPriority).");
                continue;
            }
            if (lane.MaxPriority > expectedTop)
            {
                failures.Add($"Lanes of queue '{queue}' overlap at priority {lane.MaxPriority} (lane '{name}' takes {lane.MinPriority}–{lane.MaxPriority}); give each priority to one lane ({setting}).");
            }
            else if (lane.MaxPriority < expectedTop)
            {
                failures.Add($"Lanes of queue '{queue}' give priority {expectedTop} to no lane (lane '{name}' takes {lane.MinPriority}–{lane.MaxPriority}); make the highest lane end at 10 and each lane start just above the next one down ({setting}).");
            }
            expectedTop = Math.Min(expectedTop, lane.MinPriority - 1);
            var laneQueue = QueueLanes.LaneQueueName(queue, name);
            if (options.Queues.ContainsKey(laneQueue))
            {
                failures.Add($"Lane '{name}' of queue '{queue}' would be the broker queue '{laneQueue}', which is also a configured queue; rename the lane or the queue ({setting}).");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LaneName();
}
