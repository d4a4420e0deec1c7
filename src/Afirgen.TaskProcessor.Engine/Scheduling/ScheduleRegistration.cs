using Afirgen.TaskProcessor.Engine.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>Registers the periodic schedule.</summary>
internal static class ScheduleRegistration
{
    /// <summary>
    /// Adds <see cref="ScheduledTaskEnqueuer"/> with its options (checked at start-up). The Functions app
    /// calls this and drives it from its timer function.
    /// </summary>
    internal static IServiceCollection AddTaskSchedule(this IServiceCollection services)
    {
        services.AddOptions<ScheduleOptions>().BindConfigurationOverDefaults(ScheduleOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                // One setting for both hosts: the Functions timer's %setting% also drives the local host.
                if (options.CronSetting is { Length: > 0 } setting && configuration[setting] is { Length: > 0 } cron)
                {
                    options.Cron = cron;
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>());
        services.TryAddSingleton<ScheduledTaskEnqueuer>();
        return services;
    }

    /// <summary>Adds the schedule and <see cref="ScheduleService"/>, which runs it in-process (the local host).</summary>
    internal static IServiceCollection AddTaskScheduleService(this IServiceCollection services)
    {
        services.AddTaskSchedule();
        services.AddHostedService<ScheduleService>();
        return services;
    }
}
