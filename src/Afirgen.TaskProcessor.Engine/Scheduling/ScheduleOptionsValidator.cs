using Afirgen.TaskProcessor.Engine.Priority;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>Checks <see cref="ScheduleOptions"/> at start-up, with sentences that name the key.</summary>
public sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
    {
        var errors = new List<string>();
        if (options.Enabled && !CronSchedule.TryParse(options.Cron, options.TimeZone, out _, out var error))
        {
            errors.Add($"{error} ({options.CronSettingNames} / TimeZone)");
        }
        for (var i = 0; i < options.Tasks.Count; i++)
        {
            var task = options.Tasks[i];
            if (string.IsNullOrWhiteSpace(task.Task))
            {
                errors.Add($"Scheduled task {i} has no task name; set TaskProcessor:Schedule:Tasks:{i}:Task.");
            }
            if (task.Priority is { } p && !Priorities.IsValid(p))
            {
                errors.Add($"Scheduled task {i} has priority {p}; use 1 (lowest) to 10 (highest) in TaskProcessor:Schedule:Tasks:{i}:Priority.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
