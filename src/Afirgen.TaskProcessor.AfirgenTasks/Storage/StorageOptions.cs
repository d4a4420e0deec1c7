namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary>Blob Storage for reports and archives. Section <c>Afirgen:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Afirgen:Storage";

    /// <summary>The Blob service URI (<c>https://account.blob.core.windows.net</c>), reached with <c>DefaultAzureCredential</c> (managed identity in Azure).</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>A connection string instead of <see cref="ServiceUri"/>, for Azurite and local runs. Wins when both are set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container PDF and Excel reports are written to.</summary>
    public string ReportsContainer { get; set; } = "reports";

    /// <summary>The container archive_old_records writes its compressed JSON-lines blobs to.</summary>
    public string ArchiveContainer { get; set; } = "fir-archive";

    /// <summary>
    /// Report blobs under this prefix (in the reports container) are temporary: Excel exports are written
    /// there, and cleanup_temp_files deletes them once older than its max_age_hours.
    /// </summary>
    public string TemporaryPrefix { get; set; } = "tmp/";
}
