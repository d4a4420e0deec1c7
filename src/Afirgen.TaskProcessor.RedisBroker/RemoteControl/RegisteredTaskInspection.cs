using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Routing;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>Celery's <c>registered</c> (alias <c>dump_tasks</c>): the task names this worker runs, with their settings.</summary>
internal sealed class RegisteredTaskInspection(TaskRegistry registry, TaskRateLimits rateLimits, TaskTimeLimits timeLimits, TaskRouter router)
{
    /// <summary>
    /// The registered task names, sorted; with <paramref name="infoItems"/> (Celery's <c>taskinfoitems</c>, by default
    /// <c>exchange routing_key rate_limit</c>) the ones set shown as <c>name [rate_limit=10/m]</c>.
    /// </summary>
    public JsonNode Registered(IReadOnlyList<string> infoItems)
    {
        var items = infoItems.Count > 0 ? infoItems : ["exchange", "routing_key", "rate_limit"];
        var rates = rateLimits.Limits;
        var names = new JsonArray();
        foreach (var task in registry.All)
        {
            var fields = items.Select(item => (item, value: TaskInfo(task, item, rates))).Where(f => f.value is not null).ToArray();
            names.Add(fields.Length == 0 ? task.Name : $"{task.Name} [{string.Join(' ', fields.Select(f => f.item + "=" + f.value))}]");
        }
        return names;
    }

    private string? TaskInfo(TaskDefinition task, string item, IReadOnlyDictionary<string, string> rates)
    {
        var (setSoft, setHard) = timeLimits.Get(task.Name);
        return item switch
        {
            "rate_limit" => rates.GetValueOrDefault(task.Name),
            "time_limit" => (setHard ?? task.Options.HardTimeLimit) is { } hard ? ControlReply.FloatRepr(hard.TotalSeconds) : null,
            "soft_time_limit" => (setSoft ?? task.Options.SoftTimeLimit) is { } soft ? ControlReply.FloatRepr(soft.TotalSeconds) : null,
            "max_retries" => task.Options.Retry.MaxRetries.ToString(CultureInfo.InvariantCulture),
            "ignore_result" => task.Options.IgnoreResult ? "True" : "False",
            "priority" => task.Options.Priority?.ToString(CultureInfo.InvariantCulture),
            "queue" => router.Route(task.Name).Queue,
            _ => null,
        };
    }
}
