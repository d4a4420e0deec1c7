using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>Registers task handlers with the engine.</summary>
public static class TaskRegistrationExtensions
{
    /// <summary>Registers <typeparamref name="THandler"/> as the task <paramref name="name"/>, resolved from a fresh scope per run.</summary>
    public static IServiceCollection AddTask<THandler>(this IServiceCollection services, string name, Action<TaskOptions>? configure = null)
        where THandler : class, ITaskHandler
    {
        var options = new TaskOptions();
        configure?.Invoke(options);
        services.AddScoped<THandler>();
        services.AddSingleton(TaskDefinition.ForType(name, typeof(THandler), options));
        return services;
    }

    /// <summary>Registers a delegate as the task <paramref name="name"/>.</summary>
    public static IServiceCollection AddTask(this IServiceCollection services, string name, Func<TaskContext, ValueTask<JsonNode?>> handler, Action<TaskOptions>? configure = null)
    {
        var options = new TaskOptions();
        configure?.Invoke(options);
        services.AddSingleton(TaskDefinition.ForDelegate(name, handler, options));
        return services;
    }
}
