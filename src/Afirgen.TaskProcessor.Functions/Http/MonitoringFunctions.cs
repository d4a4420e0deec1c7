using Afirgen.TaskProcessor.Api.Dashboard;
using Afirgen.TaskProcessor.Api.DeadLetters;
using Afirgen.TaskProcessor.Api.Flower;
using Afirgen.TaskProcessor.Api.Inspect;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Http;

/// <summary>
/// The monitoring API the local host maps (inspect, Flower's routes, dead letters, the dashboard's data),
/// served by Functions: each function calls the shared Api class, so both hosts answer alike. Function keys
/// guard them. host.json's route prefix is empty (so the dashboard can be served at the root, see
/// <see cref="DashboardFunctions"/>): every route here names its <c>api/</c> itself.
/// </summary>
public sealed class MonitoringFunctions(
    InspectApi inspect, FlowerApi flower, FlowerTaskCommands flowerCommands, DeadLetterApi deadLetters, DashboardApi dashboard)
{
    [Function("Inspect")]
    public Task<IResult> InspectAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/inspect/{command}")] HttpRequest request, string command, CancellationToken cancellationToken) =>
        inspect.InspectAsync(command, cancellationToken);

    [Function("FlowerWorkers")]
    public Task<IResult> WorkersAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/workers")] HttpRequest request, CancellationToken cancellationToken) =>
        flower.ListWorkersAsync(request, cancellationToken);

    [Function("FlowerTasks")]
    public Task<IResult> TasksAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/tasks")] HttpRequest request, CancellationToken cancellationToken) =>
        flower.ListTasksAsync(request, cancellationToken);

    [Function("FlowerTaskTypes")]
    public IResult TaskTypes([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/task/types")] HttpRequest request) =>
        flower.ListTaskTypes();

    [Function("FlowerTaskInfo")]
    public Task<IResult> TaskInfoAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/task/info/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        flower.TaskInfoAsync(id, cancellationToken);

    [Function("FlowerTaskResult")]
    public Task<IResult> TaskResultAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/task/result/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        flower.TaskResultAsync(id, request, cancellationToken);

    [Function("FlowerAsyncApply")]
    public Task<IResult> AsyncApplyAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/task/async-apply/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        flowerCommands.AsyncApplyAsync(name, request, cancellationToken);

    [Function("FlowerSendTask")]
    public Task<IResult> SendTaskAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/task/send-task/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        flowerCommands.SendTaskAsync(name, request, cancellationToken);

    [Function("FlowerApply")]
    public Task<IResult> ApplyAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/task/apply/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        flowerCommands.ApplyAsync(name, request, cancellationToken);

    [Function("FlowerRevoke")]
    public Task<IResult> RevokeAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/task/revoke/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        flowerCommands.RevokeAsync(id, request, cancellationToken);

    [Function("FlowerQueueLengths")]
    public Task<IResult> QueueLengthsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/queues/length")] HttpRequest request, CancellationToken cancellationToken) =>
        flower.QueueLengthsAsync(cancellationToken);

    [Function("ListDeadLetters")]
    public Task<IResult> ListDeadLettersAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/dead-letters")] HttpRequest request, CancellationToken cancellationToken) =>
        deadLetters.ListAsync(request, cancellationToken);

    [Function("ReplayDeadLetters")]
    public Task<IResult> ReplayDeadLettersAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/dead-letters/replay")] HttpRequest request, CancellationToken cancellationToken) =>
        deadLetters.ReplayAsync(request, cancellationToken);

    [Function("PurgeDeadLetters")]
    public Task<IResult> PurgeDeadLettersAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/dead-letters/purge")] HttpRequest request, CancellationToken cancellationToken) =>
        deadLetters.PurgeAsync(request, cancellationToken);

    [Function("MonitorOverview")]
    public Task<IResult> OverviewAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/monitor/overview")] HttpRequest request, CancellationToken cancellationToken) =>
        dashboard.OverviewAsync(cancellationToken);

    [Function("MonitorThroughput")]
    public Task<IResult> ThroughputAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/monitor/throughput")] HttpRequest request, CancellationToken cancellationToken) =>
        dashboard.ThroughputAsync(request, cancellationToken);

    [Function("MonitorTaskCounts")]
    public Task<IResult> TaskCountsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/monitor/task-counts")] HttpRequest request, CancellationToken cancellationToken) =>
        dashboard.TaskCountsAsync(cancellationToken);
}
