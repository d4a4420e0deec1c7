using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// What Celery's Redis result backend stores at <c>celery-task-meta-&lt;id&gt;</c>: the state, the return
/// value or the exception, the traceback, the children, and when it became ready.
/// </summary>
public sealed record TaskResultMeta
{
    public required string TaskId { get; init; }

    /// <summary>One of <see cref="TaskStates"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The return value (SUCCESS) or the exception as <c>{exc_type, exc_message, exc_module}</c> (FAILURE, RETRY, REVOKED).</summary>
    public JsonNode? Result { get; init; }

    /// <summary>The formatted traceback of a failure.</summary>
    public string? Traceback { get; init; }

    /// <summary>Child task results in Celery's tuple form <c>[[id, parent], null]</c>.</summary>
    public JsonArray? Children { get; init; }

    /// <summary>When the task reached a terminal state (null before).</summary>
    public DateTimeOffset? DateDone { get; init; }

    /// <summary>Extended result fields (Celery's <c>result_extended</c>); null when not stored.</summary>
    public ExtendedResultFields? Extended { get; init; }
}

/// <summary>The fields <c>result_extended</c> adds to a stored result.</summary>
public sealed record ExtendedResultFields(
    string Name,
    JsonArray Args,
    JsonObject Kwargs,
    string? Worker,
    int Retries,
    string? Queue);
