using Afirgen.TaskProcessor.Api.Dashboard;
using Afirgen.TaskProcessor.Api.DeadLetters;
using Afirgen.TaskProcessor.Api.Flower;
using Afirgen.TaskProcessor.Api.Inspect;
using Afirgen.TaskProcessor.Api.Schedules;
using Afirgen.TaskProcessor.Api.Tasks;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Afirgen.TaskProcessor.Api;

/// <summary>
/// Registers and maps the API for a host that uses ASP.NET Core routing (the local host). Every route is
/// one method of an API class, so the Functions app's HTTP functions call the same methods.
/// </summary>
public static class TaskProcessorApiEndpoints
{
    public static IServiceCollection AddTaskProcessorApi(this IServiceCollection services)
    {
        services.TryAddSingleton<JsonBodyReader>();
        services.TryAddSingleton<TaskSubmitter>();
        services.TryAddSingleton<TaskProcessorApi>();
        services.TryAddSingleton<InspectApi>();
        services.TryAddSingleton<FlowerResults>();
        services.TryAddSingleton<FlowerApi>();
        services.TryAddSingleton<FlowerTaskCommands>();
        services.TryAddSingleton<DeadLetterApi>();
        services.TryAddSingleton<DashboardApi>();
        services.TryAddSingleton<ScheduleApi>();
        // Lanes are shown only where the broker keeps them as queues of their own (it registers LanedBroker).
        services.TryAddSingleton(sp => new QueueDepthReader(sp.GetRequiredService<IQueueStatisticsSource>(), sp.GetRequiredService<TaskRouter>(),
            sp.GetRequiredService<QueueLanes>(), sp.GetService<LanedBroker>() is not null));
        return services;
    }

    public static IEndpointRouteBuilder MapTaskProcessorApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        // A broker that cannot be reached (the Redis transport during a Redis outage) is a 503 on every route, as a
        // result store that cannot be reached is; the Functions app's Service Bus client reports its own faults.
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (BrokerUnavailableException ex)
            {
                return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "The broker is unavailable",
                    $"{ex.Message} Nothing was enqueued, replayed or purged by this request; try again when it is back.");
            }
        });
        api.MapPost("/tasks", (HttpRequest request, TaskProcessorApi handlers, CancellationToken ct) => handlers.EnqueueAsync(request, ct));
        api.MapGet("/tasks/{id}", (string id, TaskProcessorApi handlers, CancellationToken ct) => handlers.GetTaskAsync(id, ct));
        api.MapPost("/tasks/{id}/revoke", (string id, HttpRequest request, TaskProcessorApi handlers, CancellationToken ct) => handlers.RevokeAsync(id, request, ct));
        api.MapGet("/queues", (TaskProcessorApi handlers, CancellationToken ct) => handlers.GetQueuesAsync(ct));

        api.MapGet("/inspect/{command}", (string command, InspectApi inspect, CancellationToken ct) => inspect.InspectAsync(command, ct));

        // Flower's routes and shapes.
        api.MapGet("/workers", (HttpRequest request, FlowerApi flower, CancellationToken ct) => flower.ListWorkersAsync(request, ct));
        api.MapGet("/tasks", (HttpRequest request, FlowerApi flower, CancellationToken ct) => flower.ListTasksAsync(request, ct));
        api.MapGet("/task/types", (FlowerApi flower) => flower.ListTaskTypes());
        api.MapGet("/task/info/{id}", (string id, FlowerApi flower, CancellationToken ct) => flower.TaskInfoAsync(id, ct));
        api.MapGet("/task/result/{id}", (string id, HttpRequest request, FlowerApi flower, CancellationToken ct) => flower.TaskResultAsync(id, request, ct));
        api.MapPost("/task/async-apply/{name}", (string name, HttpRequest request, FlowerTaskCommands flower, CancellationToken ct) => flower.AsyncApplyAsync(name, request, ct));
        api.MapPost("/task/send-task/{name}", (string name, HttpRequest request, FlowerTaskCommands flower, CancellationToken ct) => flower.SendTaskAsync(name, request, ct));
        api.MapPost("/task/apply/{name}", (string name, HttpRequest request, FlowerTaskCommands flower, CancellationToken ct) => flower.ApplyAsync(name, request, ct));
        api.MapPost("/task/revoke/{id}", (string id, HttpRequest request, FlowerTaskCommands flower, CancellationToken ct) => flower.RevokeAsync(id, request, ct));
        api.MapGet("/queues/length", (FlowerApi flower, CancellationToken ct) => flower.QueueLengthsAsync(ct));

        api.MapGet("/dead-letters", (HttpRequest request, DeadLetterApi deadLetters, CancellationToken ct) => deadLetters.ListAsync(request, ct));
        api.MapPost("/dead-letters/replay", (HttpRequest request, DeadLetterApi deadLetters, CancellationToken ct) => deadLetters.ReplayAsync(request, ct));
        api.MapPost("/dead-letters/purge", (HttpRequest request, DeadLetterApi deadLetters, CancellationToken ct) => deadLetters.PurgeAsync(request, ct));

        api.MapGet("/monitor/overview", (DashboardApi dashboard, CancellationToken ct) => dashboard.OverviewAsync(ct));
        api.MapGet("/monitor/throughput", (HttpRequest request, DashboardApi dashboard, CancellationToken ct) => dashboard.ThroughputAsync(request, ct));
        api.MapGet("/monitor/task-counts", (DashboardApi dashboard, CancellationToken ct) => dashboard.TaskCountsAsync(ct));

        api.MapGet("/schedules", (ScheduleApi schedules) => schedules.List());
        api.MapPost("/schedules/{name}/run", (string name, HttpRequest request, ScheduleApi schedules, CancellationToken ct) => schedules.RunNowAsync(name, request, ct));

        // The dashboard, at the root.
        endpoints.MapGet("/", () => DashboardApi.Asset(null));
        endpoints.MapGet("/dashboard/{*path}", (string path) => DashboardApi.Asset(path));
        return endpoints;
    }

    /// <summary>The HTTP API's services (<see cref="AddTaskProcessorApi(IServiceCollection)"/>); the host maps it with <see cref="MapTaskProcessorApi"/>.</summary>
    public static TaskProcessorBuilder AddTaskProcessorApi(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.Add(TaskProcessorStage.Application, p => p.Services.AddTaskProcessorApi());
    }
}
