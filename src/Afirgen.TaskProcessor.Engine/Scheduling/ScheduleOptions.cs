namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>
/// The periodic schedule Celery beat ran: which tasks to enqueue, and (for the local host) when.
/// Section <c>TaskProcessor:Schedule</c>.
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "TaskProcessor:Schedule";

    /// <summary>The schedule's name; part of the deterministic ids of the tasks it enqueues.</summary>
    public const string Name = "cleanup";

    /// <summary>
    /// The app setting the Functions app's timer trigger reads (<c>%CleanupSchedule%</c>). When set, it
    /// overrides <see cref="Cron"/> in every host, so the local host runs the schedule the deployed app runs.
    /// </summary>
    public const string AppSetting = "CleanupSchedule";

    /// <summary>
    /// Whether the local host runs the schedule. The Functions app ignores this: its timer function is
    /// switched off with the app setting <c>AzureWebJobs.ScheduleCleanup.Disabled</c>.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// When to fire, in the six-field NCRONTAB form Azure Functions timers use
    /// (<c>second minute hour day month day-of-week</c>); a five-field cron expression is accepted too.
    /// Default: daily at 02:00. The app setting <see cref="AppSetting"/> (<c>CleanupSchedule</c>), when set, wins.
    /// </summary>
    public string Cron { get; set; } = "0 0 2 * * *";

    /// <summary>The time zone <see cref="Cron"/> is read in (an IANA or Windows id). Default UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// The tasks to enqueue at each occurrence. Empty means the defaults: AFIRGen's three cleanup tasks
    /// with their Python defaults.
    /// </summary>
    public List<ScheduledTaskOptions> Tasks { get; set; } = [];

    /// <summary>The tasks enqueued when <see cref="Tasks"/> is left empty.</summary>
    public static IReadOnlyList<ScheduledTaskOptions> DefaultTasks { get; } =
    [
        new() { Task = "afirgen_tasks.cleanup.archive_old_records" },
        new() { Task = "afirgen_tasks.cleanup.clear_expired_cache" },
        new() { Task = "afirgen_tasks.cleanup.cleanup_temp_files" },
    ];
}

/// <summary>One task of the schedule.</summary>
public sealed class ScheduledTaskOptions
{
    /// <summary>The task name, e.g. <c>afirgen_tasks.cleanup.archive_old_records</c>.</summary>
    public string Task { get; set; } = "";

    /// <summary>
    /// Keyword arguments. Each value is read as JSON when it parses (<c>365</c>, <c>true</c>,
    /// <c>{"a":1}</c>), otherwise as a string, so environment variables work:
    /// <c>TaskProcessor__Schedule__Tasks__0__Kwargs__days_old=730</c>.
    /// </summary>
    public Dictionary<string, string> Kwargs { get; set; } = [];

    /// <summary>A priority 1–10; empty means the task's route default (cleanup: 1).</summary>
    public int? Priority { get; set; }
}
