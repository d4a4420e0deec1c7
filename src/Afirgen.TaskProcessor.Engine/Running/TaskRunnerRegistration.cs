using Afirgen.TaskProcessor.Engine.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>Registers the <see cref="TaskRunner"/> and the steps it is made of.</summary>
internal static class TaskRunnerRegistration
{
    public static IServiceCollection AddTaskRunner(this IServiceCollection services)
    {
        services.TryAddSingleton<DeliverySettler>();
        services.TryAddSingleton<ResultRecorder>();
        services.TryAddSingleton<FollowUpPublisher>();
        services.TryAddSingleton<TaskAdmission>();
        services.TryAddSingleton<TaskTriage>();
        services.TryAddSingleton<TaskExecutor>();
        services.TryAddSingleton<OutcomeDecider>();
        services.TryAddSingleton<OutcomeActions>();
        services.TryAddSingleton<TaskPipeline>();
        // Its constructor is internal (its steps are the engine's own), so it is built here rather than found by reflection.
        services.TryAddSingleton(sp => new TaskRunner(
            sp.GetRequiredService<CeleryMessageParser>(), sp.GetRequiredService<TaskAdmission>(), sp.GetRequiredService<TaskPipeline>(),
            sp.GetRequiredService<OutcomeActions>(), sp.GetRequiredService<DeliverySettler>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TaskRunner>>()));
        return services;
    }
}
