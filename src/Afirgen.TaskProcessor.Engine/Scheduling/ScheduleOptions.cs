namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>
/// The periodic schedule Celery beat ran: which tasks to enqueue, and (for the local host) when.
/// Section <c>TaskProcessor:Schedule</c>, bound over the application's defaults (see <see cref="Hosting.OptionsDefaults{TOptions}"/>).
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "TaskProcessor:Schedule";

    /// <summary>The schedule's name; part of the deterministic ids of the tasks it enqueues.</summary>
    public string Name { get; set; } = "periodic";

    /// <summary>
    /// The name of an app setting that, when set, overrides <see cref="Cron"/> in every host: the one a Functions
    /// app's timer trigger reads (<c>%Setting%</c>), so the local host runs the schedule the deployed app runs.
    /// Null: only <see cref="Cron"/> counts.
    /// </summary>
    public string? CronSetting { get; set; }

    /// <summary>
    /// Whether the local host runs the schedule. A Functions app ignores this: its timer function is
    /// switched off with an <c>AzureWebJobs.&lt;function&gt;.Disabled</c> app setting.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// When to fire, in the six-field NCRONTAB form Azure Functions timers use
    /// (<c>second minute hour day month day-of-week</c>); a five-field cron expression is accepted too.
    /// Default: daily at 02:00. The app setting <see cref="CronSetting"/> names, when set, wins.
    /// </summary>
    public string Cron { get; set; } = "0 0 2 * * *";

    /// <summary>The time zone <see cref="Cron"/> is read in (an IANA or Windows id). Default UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The tasks to enqueue at each occurrence. Empty means the application's <see cref="DefaultTasks"/>.</summary>
    public List<ScheduledTaskOptions> Tasks { get; set; } = [];

    /// <summary>
    /// The application's tasks, enqueued while <see cref="Tasks"/> is empty. Set by the application's registration:
    /// a configured list would be appended to a default one rather than replace it, so defaults live apart.
    /// </summary>
    public IReadOnlyList<ScheduledTaskOptions> DefaultTasks { get; set; } = [];

    /// <summary>The tasks in force: the configured ones, else the application's defaults.</summary>
    public IReadOnlyList<ScheduledTaskOptions> EffectiveTasks => Tasks.Count > 0 ? Tasks : DefaultTasks;

    /// <summary>Where the schedule is set, for sentences that say what to fix.</summary>
    internal string CronSettingNames => CronSetting is { Length: > 0 } setting ? $"{setting}, or {Section}:Cron" : $"{Section}:Cron";
}

/// <summary>One task of the schedule.</summary>
public sealed class ScheduledTaskOptions
{
    /// <summary>The task name, e.g. <c>diagnostics.echo</c>.</summary>
    public string Task { get; set; } = "";

    /// <summary>
    /// Keyword arguments. Each value is read as JSON when it parses (<c>365</c>, <c>true</c>,
    /// <c>{"a":1}</c>), otherwise as a string, so environment variables work:
    /// <c>TaskProcessor__Schedule__Tasks__0__Kwargs__days_old=730</c>.
    /// </summary>
    public Dictionary<string, string> Kwargs { get; set; } = [];

    /// <summary>A priority 1–10; empty means the task's route default.</summary>
    public int? Priority { get; set; }
}
