using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// Enqueues a checked request for every route that enqueues (<c>POST /api/tasks</c> and Flower's apply
/// routes): check and serialize, claim the task id with a PENDING record, send, tell the observers (monitoring, Celery's task-sent event). Answers a
/// problem instead when the request cannot be sent, the id is taken, or Redis is down.
/// </summary>
public sealed class TaskSubmitter(TaskPublisher publisher, IResultStore results, TaskObservers observers)
{
    public async Task<(PublishedTask? Task, IResult? Problem)> SubmitAsync(TaskRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // Check and serialize before recording anything, so a refused request leaves no trace.
            var prepared = publisher.Prepare(request);
            var id = prepared.Message.Id;
            // The PENDING record is the claim on the id (SET NX): a second request with the same id loses it, and
            // is refused rather than sent, since its message would meet the first one's result and never run.
            if (!await results.TryStorePendingAsync(new TaskResultMeta { TaskId = id, Status = TaskStates.Pending }, cancellationToken).ConfigureAwait(false))
            {
                var existing = await results.GetAsync(id, cancellationToken).ConfigureAwait(false);
                return (null, Taken(id, existing?.Status ?? TaskStates.Pending));
            }
            var published = await publisher.SendAsync(prepared, cancellationToken).ConfigureAwait(false);
            observers.Sent(published);
            return (published, null);
        }
        catch (TaskMessageTooLargeException ex)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "The task is too large", ex.Message));
        }
        catch (InvalidTaskRequestException ex)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "The task request is invalid", ex.Message));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "The result store is unavailable",
                $"{ex.Message} The task was not enqueued; try again when Redis is back."));
        }
    }

    private static IResult Taken(string id, string state) => ApiProblems.Problem(StatusCodes.Status409Conflict, "The task id is taken",
        $"Task id '{id}' is already used by a task that is {state}"
        + (TaskStates.IsTerminal(state) ? ", and a finished task does not run again under its id" : " and will run once")
        + ". To run the task again, leave task_id out (a new id is chosen) or choose an id not used before"
        + (state == TaskStates.Failure ? "; to retry a dead-lettered one under its own id, replay it (afirgen-tasks dead-letters replay --task-id " + id + ")." : "."));
}
