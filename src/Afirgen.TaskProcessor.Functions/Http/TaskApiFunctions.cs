using Afirgen.TaskProcessor.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Http;

/// <summary>
/// The local host's HTTP API, served by Functions: each function calls the shared
/// <see cref="TaskProcessorApi"/>. Function keys guard them. host.json's route prefix is empty (the dashboard
/// is served at the root), so each route names its <c>api/</c> itself.
/// </summary>
public sealed class TaskApiFunctions(TaskProcessorApi api)
{
    /// <summary><c>POST /api/tasks</c>.</summary>
    [Function("EnqueueTask")]
    public Task<IResult> EnqueueTaskAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/tasks")] HttpRequest request, CancellationToken cancellationToken) =>
        api.EnqueueAsync(request, cancellationToken);

    /// <summary><c>GET /api/tasks/{id}</c>.</summary>
    [Function("GetTask")]
    public Task<IResult> GetTaskAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/tasks/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        api.GetTaskAsync(id, cancellationToken);

    /// <summary><c>POST /api/tasks/{id}/revoke</c>.</summary>
    [Function("RevokeTask")]
    public Task<IResult> RevokeTaskAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/tasks/{id}/revoke")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        api.RevokeAsync(id, request, cancellationToken);

    /// <summary><c>GET /api/queues</c>.</summary>
    [Function("GetQueues")]
    public Task<IResult> GetQueuesAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/queues")] HttpRequest request, CancellationToken cancellationToken) =>
        api.GetQueuesAsync(cancellationToken);
}
