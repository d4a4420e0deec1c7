using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>What <c>GET /api/tasks/{id}</c> answers: the task's state and, once it has one, its result.</summary>
public sealed record TaskStatusResponse(
    string Id,
    string State,
    JsonNode? Result,
    string? Traceback,
    DateTimeOffset? DateDone,
    JsonArray? Children,
    string? Name,
    int? Retries,
    string? Queue)
{
    public static TaskStatusResponse From(TaskResultMeta meta) => new(
        meta.TaskId, meta.Status, meta.Result, meta.Traceback, meta.DateDone, meta.Children,
        meta.Extended?.Name, meta.Extended?.Retries, meta.Extended?.Queue);
}

/// <summary>What <c>POST /api/tasks</c> answers with 202 Accepted.</summary>
public sealed record EnqueueResponse(string Id, string Name, string Queue, int Priority, string State, DateTimeOffset? Eta, DateTimeOffset? Expires);
