using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Api.Tasks;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>
/// Flower's commands on Flower's routes and JSON shapes: enqueue a task (<c>async-apply</c>, <c>send-task</c>), enqueue
/// and wait for its result (<c>apply</c>), and <c>revoke</c>. What Flower lists and shows is <see cref="FlowerApi"/>.
/// </summary>
public sealed class FlowerTaskCommands(
    TaskSubmitter submitter, JsonBodyReader bodies, TaskRegistry registry, TaskRevoker revoker, FlowerResults results, TimeProvider time)
{
    /// <summary><c>POST /api/task/async-apply/{name}</c>: enqueue; <c>{"task-id", "state"}</c>; 404 for an unknown task.</summary>
    public Task<IResult> AsyncApplyAsync(string name, HttpRequest request, CancellationToken cancellationToken) =>
        ApplyCoreAsync(name, request, requireRegistered: true, wait: false, cancellationToken);

    /// <summary><c>POST /api/task/send-task/{name}</c>: enqueue by name, registered here or not (Celery's <c>send_task</c>).</summary>
    public Task<IResult> SendTaskAsync(string name, HttpRequest request, CancellationToken cancellationToken) =>
        ApplyCoreAsync(name, request, requireRegistered: false, wait: false, cancellationToken);

    /// <summary><c>POST /api/task/apply/{name}</c>: enqueue and wait for the result (at most five minutes).</summary>
    public Task<IResult> ApplyAsync(string name, HttpRequest request, CancellationToken cancellationToken) =>
        ApplyCoreAsync(name, request, requireRegistered: true, wait: true, cancellationToken);

    /// <summary>
    /// <c>POST /api/task/revoke/{id}</c> (<c>?terminate=true</c>): Celery's revoke through the engine's
    /// revocation store. Flower's <c>signal</c> is accepted and ignored: a terminated run's token is cancelled.
    /// Answers Flower's <c>{"message": "Revoked '&lt;id&gt;'"}</c>.
    /// </summary>
    public async Task<IResult> RevokeAsync(string id, HttpRequest request, CancellationToken cancellationToken)
    {
        var (terminate, problem) = await RevokeRequestReader.ReadTerminateAsync(request, bodies, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            await revoker.RevokeAsync(id, terminate, cancellationToken).ConfigureAwait(false);
        }
        catch (ResultStoreUnavailableException ex)
        {
            return Results.Problem(detail: $"{ex.Message} The task was not revoked; try again when Redis is back.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "The result store is unavailable");
        }
        return Json(new JsonObject { ["message"] = $"Revoked '{id}'" });
    }

    private async Task<IResult> ApplyCoreAsync(string name, HttpRequest request, bool requireRegistered, bool wait, CancellationToken cancellationToken)
    {
        var (body, problem) = await bodies.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (body is not null and not JsonObject)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid options", "The body must be a JSON object: {\"args\": [...], \"kwargs\": {...}, and apply_async options}.");
        }
        if (requireRegistered && !registry.TryGet(name, out _))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown task", $"Unknown task '{name}'");
        }
        var options = (JsonObject?)body?.DeepClone() ?? [];
        options["name"] = name;
        // Flower's eta format is "%Y-%m-%d %H:%M:%S.%f" (UTC); ISO 8601 is read as well.
        var (taskRequest, error) = EnqueueRequestReader.Read(options, time.GetUtcNow());
        if (taskRequest is null)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid option", error!);
        }
        var (published, refused) = await submitter.SubmitAsync(taskRequest, cancellationToken).ConfigureAwait(false);
        if (published is null)
        {
            return refused!;
        }
        if (!wait)
        {
            return Json(new JsonObject { ["task-id"] = published.TaskId, ["state"] = TaskStates.Pending });
        }
        try
        {
            var meta = await results.WaitAsync(published.TaskId, FlowerResults.WaitLimit, cancellationToken).ConfigureAwait(false);
            return Json(FlowerResults.Json(published.TaskId, meta, alwaysResult: true));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    private static IResult Json(JsonNode node) => FlowerResults.Response(node);
}
