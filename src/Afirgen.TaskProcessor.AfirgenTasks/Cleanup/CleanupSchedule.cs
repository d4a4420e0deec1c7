using Afirgen.TaskProcessor.Engine.Scheduling;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>
/// AFIRGen's periodic schedule (what its Celery beat ran): the three cleanup tasks with their Python defaults, daily
/// at 02:00 unless the <c>CleanupSchedule</c> app setting says otherwise. The defaults both hosts give
/// <see cref="ScheduleOptions"/>; <c>TaskProcessor:Schedule</c> overrides them.
/// </summary>
public static class CleanupSchedule
{
    /// <summary>The schedule's name; part of the deterministic ids of the tasks it enqueues.</summary>
    public const string Name = "cleanup";

    /// <summary>
    /// The app setting the Functions app's timer trigger reads (<c>%CleanupSchedule%</c>). When set, it overrides
    /// <see cref="ScheduleOptions.Cron"/> in every host, so the local host runs the schedule the deployed app runs.
    /// </summary>
    public const string AppSetting = "CleanupSchedule";

    /// <summary>The tasks enqueued when <c>TaskProcessor:Schedule:Tasks</c> is left empty.</summary>
    public static IReadOnlyList<ScheduledTaskOptions> Tasks { get; } =
    [
        new() { Task = AfirgenTaskNames.ArchiveOldRecords },
        new() { Task = AfirgenTaskNames.ClearExpiredCache },
        new() { Task = AfirgenTaskNames.CleanupTempFiles },
    ];

    /// <summary>Writes AFIRGen's schedule name, cron app setting and tasks into <paramref name="options"/>.</summary>
    public static void ApplyTo(ScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Name = Name;
        options.CronSetting = AppSetting;
        options.DefaultTasks = Tasks;
    }

    /// <summary>Schedule options holding AFIRGen's defaults alone, as a host has them before its configuration is read.</summary>
    public static ScheduleOptions CreateOptions()
    {
        var options = new ScheduleOptions();
        ApplyTo(options);
        return options;
    }
}
