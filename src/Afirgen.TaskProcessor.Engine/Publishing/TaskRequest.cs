using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;

namespace Afirgen.TaskProcessor.Engine.Publishing;

/// <summary>A task to enqueue (what Celery's <c>send_task</c> takes).</summary>
public sealed record TaskRequest
{
    public required string TaskName { get; init; }
    public JsonArray Args { get; init; } = [];
    public JsonObject Kwargs { get; init; } = [];

    /// <summary>1 (lowest) to 10 (highest); null for the task's, route's or queue's default.</summary>
    public int? Priority { get; init; }

    /// <summary>A queue to send to instead of the routed one.</summary>
    public string? Queue { get; init; }

    /// <summary>The task id; a new UUID when null.</summary>
    public string? TaskId { get; init; }

    /// <summary>Not before this time.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>Not after this time: REVOKED instead of run.</summary>
    public DateTimeOffset? Expires { get; init; }

    public TimeSpan? HardTimeLimit { get; init; }
    public TimeSpan? SoftTimeLimit { get; init; }
    public string? ParentId { get; init; }
    public string? RootId { get; init; }
    public int Retries { get; init; }
    public IReadOnlyList<TaskSignature> Chain { get; init; } = [];
    public IReadOnlyList<TaskSignature> Callbacks { get; init; } = [];
    public IReadOnlyList<TaskSignature> Errbacks { get; init; } = [];
    public JsonObject ExtraHeaders { get; init; } = [];
    public bool IgnoreResult { get; init; }

    /// <summary>The broker message id; <see cref="MessageIds.ForTask"/> of the task id when null.</summary>
    public string? MessageId { get; init; }
}
