using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// A Celery signature (<c>celery.canvas.Signature</c> as JSON): a task to run later, as carried in a
/// message's embed (chain links, callbacks, errbacks).
/// </summary>
/// <param name="TaskName">The task's registered name.</param>
/// <param name="Args">Positional arguments.</param>
/// <param name="Kwargs">Keyword arguments.</param>
/// <param name="Options">Celery's options object (<c>task_id</c>, <c>priority</c>, <c>queue</c>, …), kept whole so nothing a producer set is lost.</param>
/// <param name="Immutable">When true the parent's result is not prepended to <see cref="Args"/>.</param>
/// <param name="SubtaskType">Celery's <c>subtask_type</c> (null for a plain task; "chain", "group", "chord" for canvases).</param>
public sealed record TaskSignature(
    string TaskName,
    JsonArray Args,
    JsonObject Kwargs,
    JsonObject Options,
    bool Immutable,
    string? SubtaskType)
{
    /// <summary>The task id the producer chose for this link, if any (<c>options.task_id</c>).</summary>
    public string? TaskId => Options["task_id"] is JsonValue v && v.TryGetValue(out string? id) ? id : null;

    /// <summary>The priority the producer set for this link, if any (<c>options.priority</c>).</summary>
    public int? Priority => Options["priority"] is JsonValue v && v.TryGetValue(out int p) && p > 0 ? p : null;

    /// <summary>The queue the producer set for this link, if any (<c>options.queue</c>).</summary>
    public string? Queue => Options["queue"] is JsonValue v && v.TryGetValue(out string? q) ? q : null;

    /// <summary>Celery's JSON shape of the signature.</summary>
    public JsonObject ToJson() => new()
    {
        ["task"] = TaskName,
        ["args"] = Args.DeepClone(),
        ["kwargs"] = Kwargs.DeepClone(),
        ["options"] = Options.DeepClone(),
        ["subtask_type"] = SubtaskType,
        ["immutable"] = Immutable,
    };
}
