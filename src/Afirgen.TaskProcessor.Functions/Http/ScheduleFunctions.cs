using Afirgen.TaskProcessor.Api.Schedules;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Http;

/// <summary>The schedule and its "run now", as the local host maps them: each function calls the shared <see cref="ScheduleApi"/>.</summary>
public sealed class ScheduleFunctions(ScheduleApi schedules)
{
    [Function("ListSchedules")]
    public IResult List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/schedules")] HttpRequest request) =>
        schedules.List();

    [Function("RunScheduleNow")]
    public Task<IResult> RunNowAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/schedules/{name}/run")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        schedules.RunNowAsync(name, request, cancellationToken);
}
