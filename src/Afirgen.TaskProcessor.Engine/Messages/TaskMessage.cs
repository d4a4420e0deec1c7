using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// One Celery task message (protocol v2), as parsed from, or written to, kombu's JSON envelope.
/// </summary>
public sealed record TaskMessage
{
    /// <summary>The task id (<c>headers.id</c>): also the result key's suffix.</summary>
    public required string Id { get; init; }

    /// <summary>The registered task name (<c>headers.task</c>).</summary>
    public required string TaskName { get; init; }

    /// <summary>Positional arguments (the body's first element).</summary>
    public JsonArray Args { get; init; } = [];

    /// <summary>Keyword arguments (the body's second element).</summary>
    public JsonObject Kwargs { get; init; } = [];

    /// <summary>The priority the producer gave, 1 (lowest) to 10 (highest); null when none was given (kombu writes 0).</summary>
    public int? Priority { get; init; }

    /// <summary>Not to run before this time (<c>headers.eta</c>).</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>Not to run after this time (<c>headers.expires</c>): REVOKED instead.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>How many times this task has been retried before this message (<c>headers.retries</c>).</summary>
    public int Retries { get; init; }

    /// <summary>Hard time limit for this message (<c>headers.timelimit[0]</c>), overriding the task's.</summary>
    public TimeSpan? HardTimeLimit { get; init; }

    /// <summary>Soft time limit for this message (<c>headers.timelimit[1]</c>), overriding the task's.</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>The id of the first task of the workflow this one belongs to.</summary>
    public string? RootId { get; init; }

    /// <summary>The id of the task that enqueued this one.</summary>
    public string? ParentId { get; init; }

    /// <summary>The group id, when the task is part of a group.</summary>
    public string? GroupId { get; init; }

    /// <summary>The task's index within its group.</summary>
    public int? GroupIndex { get; init; }

    /// <summary>The queue the producer routed it to (<c>properties.delivery_info.routing_key</c>).</summary>
    public string? RoutingKey { get; init; }

    /// <summary>Who sent it (<c>headers.origin</c>), e.g. <c>gen7441@vm</c>.</summary>
    public string? Origin { get; init; }

    /// <summary>Celery's reply-to (the producer's result consumer), passed through unchanged.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>True when no result is to be stored.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>The links still to run after this task, in the order they run (the wire holds them reversed).</summary>
    public IReadOnlyList<TaskSignature> Chain { get; init; } = [];

    /// <summary>Tasks to run with this task's result when it succeeds (Celery's <c>link</c>).</summary>
    public IReadOnlyList<TaskSignature> Callbacks { get; init; } = [];

    /// <summary>Tasks to run with this task's id when it fails (Celery's <c>link_error</c>).</summary>
    public IReadOnlyList<TaskSignature> Errbacks { get; init; } = [];

    /// <summary>
    /// The body of the chord this task is a header task of (Celery's <c>embed.chord</c>, a signature), kept as sent; with
    /// <see cref="GroupId"/> and <see cref="GroupIndex"/> it tells the runner to join the chord (<c>Running/ChordJoin</c>).
    /// </summary>
    public JsonNode? Chord { get; init; }

    /// <summary>
    /// Headers this model does not name (e.g. W3C <c>traceparent</c>, producer extensions), kept so a
    /// message we rewrite (retry, ETA deferral) carries them on.
    /// </summary>
    public JsonObject ExtraHeaders { get; init; } = [];
}
