using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Afirgen.TaskProcessor.Api;

/// <summary>Registers and maps the API for a host that uses ASP.NET Core routing (the local host).</summary>
public static class TaskProcessorApiEndpoints
{
    public static IServiceCollection AddTaskProcessorApi(this IServiceCollection services)
    {
        services.TryAddSingleton<TaskProcessorApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapTaskProcessorApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapPost("/tasks", (HttpRequest request, TaskProcessorApi handlers, CancellationToken ct) => handlers.EnqueueAsync(request, ct));
        api.MapGet("/tasks/{id}", (string id, TaskProcessorApi handlers, CancellationToken ct) => handlers.GetTaskAsync(id, ct));
        api.MapPost("/tasks/{id}/revoke", (string id, HttpRequest request, TaskProcessorApi handlers, CancellationToken ct) => handlers.RevokeAsync(id, request, ct));
        api.MapGet("/queues", (TaskProcessorApi handlers, CancellationToken ct) => handlers.GetQueuesAsync(ct));
        return endpoints;
    }
}
