using Afirgen.TaskProcessor.Api.Queues;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Api.Tasks;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api;

/// <summary>
/// The HTTP API's behaviour, written once. The local host maps these methods to routes
/// (<see cref="TaskProcessorApiEndpoints"/>); the Functions app calls the same methods from its HTTP
/// functions. Errors are RFC 9457 problem documents whose detail says what to change.
/// </summary>
public sealed class TaskProcessorApi(TaskSubmitter submitter, JsonBodyReader bodies, TaskRegistry registry, TaskRouter router, IResultStore results, QueueDepthReader queues, TaskRevoker revoker, TimeProvider time)
{
    /// <summary><c>POST /api/tasks</c>: enqueue a task; 202 with its id, queue and priority.</summary>
    public async Task<IResult> EnqueueAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await bodies.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var (taskRequest, error) = EnqueueRequestReader.Read(body, time.GetUtcNow());
        if (taskRequest is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "The task request is invalid", error!);
        }
        if (!registry.TryGet(taskRequest.TaskName, out _))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown task",
                $"No task named '{taskRequest.TaskName}' is registered. Registered tasks: {string.Join(", ", registry.All.Select(t => t.Name))}.");
        }
        var (published, refused) = await submitter.SubmitAsync(taskRequest, cancellationToken).ConfigureAwait(false);
        if (published is null)
        {
            return refused!;
        }
        return Results.Accepted($"/api/tasks/{Uri.EscapeDataString(published.TaskId)}",
            new EnqueueResponse(published.TaskId, published.TaskName, published.Queue, published.Priority, TaskStates.Pending, published.Eta, published.Expires));
    }

    /// <summary><c>GET /api/tasks/{id}</c>: the task's state and result; 404 for an id this processor has no record of.</summary>
    public async Task<IResult> GetTaskAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var meta = await results.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return meta is null
                ? Problem(StatusCodes.Status404NotFound, "Unknown task id",
                    $"No task with id '{id}' is known: it was never enqueued through this processor, has not been received yet, or its result has expired.")
                : Results.Ok(TaskStatusResponse.From(meta));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "The result store is unavailable", ex.Message);
        }
    }

    /// <summary>
    /// <c>POST /api/tasks/{id}/revoke</c>: Celery's <c>revoke(id, terminate=…)</c>. <c>terminate</c> comes from
    /// the query string (<c>?terminate=true</c>) or a JSON body <c>{"terminate": true}</c>.
    /// </summary>
    public async Task<IResult> RevokeAsync(string id, HttpRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return Problem(StatusCodes.Status400BadRequest, "No task id", "Give the id of the task to revoke in the path: /api/tasks/{id}/revoke.");
        }
        var (terminate, problem) = await RevokeRequestReader.ReadTerminateAsync(request, bodies, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            var outcome = await revoker.RevokeAsync(id, terminate, cancellationToken).ConfigureAwait(false);
            return Results.Ok(RevokeResponse.From(outcome));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "The result store is unavailable", $"{ex.Message} The task was not revoked; try again when Redis is back.");
        }
    }

    /// <summary><c>GET /api/queues</c>: per queue, what waits, what is scheduled, in flight and dead-lettered.</summary>
    public async Task<IResult> GetQueuesAsync(CancellationToken cancellationToken)
    {
        var depths = await queues.GetAsync(cancellationToken).ConfigureAwait(false);
        return Results.Ok(depths.Select(d => new QueueResponse(d.Totals.Queue, router.DefaultPriorityOf(d.Totals.Queue),
            d.Totals.Waiting, d.Totals.Scheduled, d.Totals.InFlight, d.Totals.DeadLettered, d.Lanes)).ToArray());
    }

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);
}
