using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// <c>generate_pdf(fir_id, report_type="standard")</c>: renders the FIR and stores it as
/// <c>pdf/&lt;fir_number&gt;/&lt;report_type&gt;.pdf</c> in the reports container, so running it again (same
/// task or a later one) overwrites the same blob. Result: <c>fir_id</c>, <c>report_type</c>, <c>file_path</c>.
/// </summary>
public sealed class GeneratePdfTask(IFirStore firs, IBlobStore blobs, IOptions<StorageOptions> storage, StationTime station, TimeProvider time, ILogger<GeneratePdfTask> logger) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var type = ReportTypes.Parse(context.Get<string>("report_type"));
        var fir = await FirLookup.RequireAsync(firs, context.Get<string>("fir_id"), context.CancellationToken).ConfigureAwait(false);

        var pdf = FirPdfRenderer.Render(fir, type, time.GetUtcNow(), station);
        var container = storage.Value.ReportsContainer;
        var name = BlobNames.Pdf(fir.FirNumber, type);
        await blobs.UploadAsync(container, name, pdf, "application/pdf", new Dictionary<string, string>
        {
            ["fir_number"] = BlobNames.MetadataSafe(fir.FirNumber),
            ["report_type"] = type.Name(),
            ["task_id"] = context.TaskId,
        }, context.CancellationToken).ConfigureAwait(false);

        var path = $"{container}/{name}";
        ReportsLog.PdfWritten(logger, context.TaskId, type.Name(), fir.FirNumber, path, pdf.Length);
        return TaskResult.Success($"PDF report generated for FIR {fir.FirNumber}",
            new JsonObject { ["fir_id"] = fir.FirNumber, ["report_type"] = type.Name(), ["file_path"] = path });
    }
}
