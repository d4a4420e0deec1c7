namespace Afirgen.TaskProcessor.AfirgenTasks;

/// <summary>The task names AFIRGen's Python producers send; unchanged so its code needs no change.</summary>
public static class AfirgenTaskNames
{
    public const string SendFirConfirmation = "afirgen_tasks.email.send_fir_confirmation";

    /// <summary>The name the seed's configuration document uses; the same task, recipient taken from the FIR.</summary>
    public const string SendConfirmation = "afirgen_tasks.email.send_confirmation";

    public const string SendNotification = "afirgen_tasks.email.send_notification";
    public const string GeneratePdf = "afirgen_tasks.reports.generate_pdf";
    public const string GenerateExcel = "afirgen_tasks.reports.generate_excel";
    public const string UpdateDashboard = "afirgen_tasks.analytics.update_dashboard";
    public const string ProcessData = "afirgen_tasks.analytics.process_data";
    public const string ArchiveOldRecords = "afirgen_tasks.cleanup.archive_old_records";
    public const string ClearExpiredCache = "afirgen_tasks.cleanup.clear_expired_cache";
    public const string CleanupTempFiles = "afirgen_tasks.cleanup.cleanup_temp_files";
}
