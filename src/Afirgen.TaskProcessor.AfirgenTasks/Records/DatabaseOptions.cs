namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>AFIRGen's MySQL database. Section <c>Afirgen:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Afirgen:Database";

    /// <summary>
    /// A MySqlConnector connection string, e.g. <c>Server=db;Database=afirgen;User ID=tasks;Password=…</c>.
    /// Empty: the local host's demo data source (when <c>Afirgen:Demo:Enabled</c>), else a start-up error.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The most FIRs one archive_old_records run copies; the next run takes the rest.</summary>
    public int MaxRecordsPerArchive { get; set; } = 10_000;
}
