namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// The status mirror: AFIRGen's <c>background_tasks</c> table kept as its Celery workers kept it.
/// Section <c>TaskProcessor:StatusMirror</c>. Off unless a MySQL connection string is configured.
/// </summary>
public sealed class StatusMirrorOptions
{
    public const string Section = "TaskProcessor:StatusMirror";

    /// <summary>
    /// The MySQL/MariaDB connection string of AFIRGen's database. When empty, <c>Afirgen:Database:ConnectionString</c>
    /// is used; when both are empty the mirror is off.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Set false to keep the mirror off even though a MySQL connection is configured.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The table to keep (AFIRGen's is <c>background_tasks</c>). Letters, digits and underscores only.</summary>
    public string Table { get; set; } = "background_tasks";

    /// <summary>
    /// How many updates may wait in memory for the database. Past that, new updates are dropped, counted
    /// and logged (the task is never held up); <see cref="ReconcileInterval"/> repairs their rows.
    /// </summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>How many updates go to the database in one round trip.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How many times a batch is tried when the database fails transiently before it is given up (and left to reconcile).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the second attempt of a failed batch; it doubles for each attempt after.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often the rows still <c>pending</c> or <c>running</c> are compared with the results in Redis
    /// and brought in line (what <c>afirgen-tasks reconcile</c> does by hand). Repairs what the database
    /// missed while it was down, and rows AFIRGen inserted only after the task had already moved on.
    /// Zero turns it off.
    /// </summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far back reconciling looks (by the row's <c>created_at</c>). Results expire
    /// (<c>TaskProcessor:Results:Expires</c>, one hour by default), so older rows have nothing to compare with.
    /// </summary>
    public TimeSpan ReconcileWindow { get; set; } = TimeSpan.FromHours(2);
}
