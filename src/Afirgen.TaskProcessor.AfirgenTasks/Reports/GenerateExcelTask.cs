using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// <c>generate_excel(fir_ids, report_name="fir_report")</c>: one workbook, a row per FIR, stored as
/// <c>&lt;TemporaryPrefix&gt;excel/&lt;report_name&gt;/&lt;task_id&gt;.xlsx</c>. Keyed by task id, so a
/// repeated run overwrites its own blob; under the temporary prefix, because an export over a list of
/// FIRs is a download, removed by cleanup_temp_files. Result: <c>fir_count</c>, <c>report_name</c>, <c>file_path</c>.
/// </summary>
public sealed class GenerateExcelTask(IFirStore firs, IBlobStore blobs, IOptions<StorageOptions> storage, StationTime station, TimeProvider time, ILogger<GenerateExcelTask> logger) : ITaskHandler
{
    /// <summary>More FIRs than this in one workbook is a mistake in the caller, not a report.</summary>
    public const int MaxFirs = 50_000;

    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var ids = context.Get<List<string?>>("fir_ids")
            ?? throw new PermanentTaskException("fir_ids is missing: pass a list of FIR numbers.");
        var wanted = ids.Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            throw new PermanentTaskException("fir_ids is empty: pass at least one FIR number.");
        }
        if (wanted.Count > MaxFirs)
        {
            throw new PermanentTaskException($"fir_ids holds {wanted.Count} FIRs; one workbook takes at most {MaxFirs}. Split the report.");
        }
        var reportName = BlobNames.ReportName(context.Get<string>("report_name"));

        var found = (await firs.FindManyAsync(wanted, context.CancellationToken).ConfigureAwait(false))
            .ToDictionary(f => f.FirNumber, StringComparer.Ordinal);
        var missing = wanted.Where(id => !found.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            throw new PermanentTaskException(
                $"{missing.Count} of the {wanted.Count} FIRs do not exist: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}. Remove them from fir_ids.");
        }

        var rows = wanted.Select(id => found[id]).ToList();
        var workbook = FirWorkbook.Write(rows, reportName, time.GetUtcNow(), station);
        var container = storage.Value.ReportsContainer;
        var name = BlobNames.Excel(storage.Value.TemporaryPrefix, reportName, context.TaskId);
        await blobs.UploadAsync(container, name, workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            new Dictionary<string, string> { ["report_name"] = reportName, ["task_id"] = context.TaskId, ["fir_count"] = rows.Count.ToString() },
            context.CancellationToken).ConfigureAwait(false);

        var path = $"{container}/{name}";
        ReportsLog.WorkbookWritten(logger, context.TaskId, rows.Count, path, workbook.Length);
        return TaskResult.Success($"Excel report generated with {rows.Count} FIRs",
            new JsonObject { ["fir_count"] = rows.Count, ["report_name"] = reportName, ["file_path"] = path });
    }
}
