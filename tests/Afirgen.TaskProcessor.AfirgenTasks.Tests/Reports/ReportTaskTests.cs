using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;
using Azure.Storage.Blobs.Models;
using ClosedXML.Excel;
using UglyToad.PdfPig;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>The report tasks against MariaDB and Azurite: the PDF opens and names its FIR, the workbook holds the rows.</summary>
[Collection(AfirgenServersCollectionDefinition.Name)]
public sealed class ReportTaskTests(AfirgenServers servers) : IAsyncLifetime
{
    private const string Complaint = "The complainant's private words about the incident.";
    // The export's columns that hold text (3 and 4 are the created and finalized times).
    private static readonly int[] TextColumns = [1, 2, 5, 6, 7, 8, 9, 10, 11, 12];
    private TaskHarness _h = null!;

    public async Task InitializeAsync()
    {
        var db = await servers.MariaDb.CreateDatabaseAsync("report_tasks");
        await FirRecordsSchema.CreateAsync(db);
        var now = DateTimeOffset.UtcNow;
        await FirRecordsSchema.InsertAsync(db, "FIR-R-0001", "finalized", now.AddDays(-5), now.AddDays(-4), complaint: Complaint, sessionId: "session-abc",
            content: """{"incident_type": "theft", "place": "Long Road", "description": "A bag was taken."}""");
        await FirRecordsSchema.InsertAsync(db, "FIR-R-0002", "pending", now.AddDays(-1), complaint: "Second complaint.");
        await FirRecordsSchema.InsertAsync(db, "FIR/R/0003", "pending", now.AddHours(-2));
        await FirRecordsSchema.InsertAsync(db, "FIR-R-0004", "finalized", new DateTimeOffset(2026, 3, 5, 20, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 6, 4, 15, 0, TimeSpan.Zero),
            complaint: "Fourth complaint.", sessionId: "session-r4", userId: "user-r4",
            content: """{"police_station": "Kotwali", "district": "Raipur", "acts": ["BNS"], "sections": ["303(2)"], "place": "Station Road", "complainant": {"name": "Asha Sample"}}""");
        _h = TaskHarness.Create(servers, "reports", db, cacheDatabase: 2);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<byte[]> DownloadAsync(string filePath)
    {
        var slash = filePath.IndexOf('/');
        var blob = _h.Container(filePath[..slash]).GetBlobClient(filePath[(slash + 1)..]);
        return (await blob.DownloadContentAsync()).Value.Content.ToArray();
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => p.Text));
    }

    [Theory]
    [InlineData("standard", "Long Road")]
    [InlineData("detailed", "session-abc")]
    [InlineData("summary", "private words")]
    public async Task GeneratePdf_StoresAPdfThatOpensAndNamesTheFir(string reportType, string expectedText)
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.GeneratePdf, new JsonObject { ["fir_id"] = "FIR-R-0001", ["report_type"] = reportType });

        var result = Results.Success(meta);
        Assert.Equal(["status", "message", "fir_id", "report_type", "file_path"], result.Select(p => p.Key));
        Assert.Equal($"{_h.ReportsContainer}/pdf/FIR-R-0001/{reportType}.pdf", (string?)result["file_path"]);

        var text = PdfText(await DownloadAsync((string)result["file_path"]!)).Replace(" ", "");
        Assert.Contains("FIR-R-0001", text);
        Assert.Contains(expectedText.Replace(" ", ""), text);
        Assert.DoesNotContain(Complaint, _h.AllLogText());
    }

    [Fact]
    public async Task GeneratePdf_DefaultsToStandard_AndAFirNumberWithSlashesStaysOneFolder()
    {
        var result = Results.Success(await _h.RunAsync(AfirgenTaskNames.GeneratePdf, new JsonObject { ["fir_id"] = "FIR/R/0003" }));

        Assert.Equal("standard", (string?)result["report_type"]);
        Assert.Equal($"{_h.ReportsContainer}/pdf/FIR_R_0003/standard.pdf", (string?)result["file_path"]);
        Assert.Contains("FIR/R/0003", PdfText(await DownloadAsync((string)result["file_path"]!)));
    }

    [Fact]
    public async Task GeneratePdf_RunAgainWithTheSameTaskId_OverwritesItsOwnBlob()
    {
        var kwargs = new JsonObject { ["fir_id"] = "FIR-R-0002", ["report_type"] = "summary" };
        var firstMeta = await _h.RunAsync(AfirgenTaskNames.GeneratePdf, kwargs);
        var first = Results.Success(firstMeta);
        var again = Results.Success(await _h.RunAgainAfterCrashAsync(AfirgenTaskNames.GeneratePdf, (JsonObject)kwargs.DeepClone(), firstMeta.TaskId));

        Assert.Equal(first["file_path"]!.ToString(), again["file_path"]!.ToString());
        var blobs = new List<BlobItem>();
        await foreach (var b in _h.Container(_h.ReportsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, "pdf/FIR-R-0002/", CancellationToken.None)) blobs.Add(b);
        Assert.Single(blobs);
    }

    [Theory]
    [InlineData("FIR-MISSING", "standard", "No FIR with number 'FIR-MISSING'")]
    [InlineData("FIR-R-0001", "glossy", "report_type 'glossy' is not one of standard, detailed, summary")]
    public async Task GeneratePdf_WithBadInput_FailsAtOnce(string firId, string reportType, string expected)
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.GeneratePdf, new JsonObject { ["fir_id"] = firId, ["report_type"] = reportType });

        Assert.Contains(expected, Results.Failure(meta));
        Assert.Equal(0, (await _h.Broker.GetStatisticsAsync(["reports"], CancellationToken.None))[0].Scheduled);
    }

    [Fact]
    public async Task GeneratePdf_WhileTheDatabaseIsDown_IsRetried_AndSucceedsOnceItIsBack()
    {
        TaskResultMeta retry;
        await servers.MariaDb.StopAsync();
        try
        {
            retry = await _h.RunAsync(AfirgenTaskNames.GeneratePdf, new JsonObject { ["fir_id"] = "FIR-R-0001" });
        }
        finally
        {
            await servers.MariaDb.StartAgainAsync();
        }
        Assert.Equal(TaskStates.Retry, retry.Status);

        // The reports policy's first back-off: 60 s ± 20 %.
        _h.Time.Advance(TimeSpan.FromSeconds(73));
        var done = await _h.RunNextAsync("reports", retry.TaskId);

        Assert.Equal($"{_h.ReportsContainer}/pdf/FIR-R-0001/standard.pdf", (string?)Results.Success(done)["file_path"]);
    }

    [Fact]
    public async Task GenerateExcel_WritesOneRowPerFirInTheOrderAsked_UnderTheTemporaryPrefix()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.GenerateExcel, new JsonObject { ["fir_ids"] = new JsonArray("FIR-R-0002", "FIR-R-0001"), ["report_name"] = "weekly" });

        var result = Results.Success(meta);
        Assert.Equal(["status", "message", "fir_count", "report_name", "file_path"], result.Select(p => p.Key));
        Assert.Equal(2, (int)result["fir_count"]!);
        Assert.Equal($"{_h.ReportsContainer}/tmp/excel/weekly/{meta.TaskId}.xlsx", (string?)result["file_path"]);

        using var workbook = new XLWorkbook(new MemoryStream(await DownloadAsync((string)result["file_path"]!)));
        var sheet = workbook.Worksheet("FIRs");
        Assert.Equal("FIR-R-0002", sheet.Cell(2, 1).GetString());
        Assert.Equal("pending", sheet.Cell(2, 2).GetString());
        Assert.Equal("FIR-R-0001", sheet.Cell(3, 1).GetString());
        Assert.Equal("finalized", sheet.Cell(3, 2).GetString());
        Assert.Equal(Complaint, sheet.Cell(3, 10).GetString());
        Assert.True(sheet.Cell(4, 1).IsEmpty());
    }

    [Fact]
    public async Task GenerateExcel_HeadsItsColumnsForPeople_WithTimesInTheStationsZone()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.GenerateExcel, new JsonObject { ["fir_ids"] = new JsonArray("FIR-R-0004", "FIR-R-0002") });

        using var workbook = new XLWorkbook(new MemoryStream(await DownloadAsync((string)Results.Success(meta)["file_path"]!)));
        var sheet = workbook.Worksheet("FIRs");
        string[] headings =
        [
            "FIR number", "Status", "Registered (IST)", "Finalized (IST)", "Police station", "District", "Acts and sections",
            "Place of occurrence", "Complainant", "Complaint", "Session id (internal)", "User id (internal)",
        ];
        Assert.Equal(headings, sheet.Row(1).Cells(1, headings.Length + 1).Select(c => c.GetString()).Where(h => h.Length > 0));
        Assert.True(sheet.Cell(1, 1).Style.Font.Bold);

        // 20:00 UTC on 5 March is 01:30 IST on the 6th; 04:15 UTC is 09:45 IST.
        Assert.Equal(new DateTime(2026, 3, 6, 1, 30, 0), sheet.Cell(2, 3).GetDateTime());
        Assert.Equal(new DateTime(2026, 3, 6, 9, 45, 0), sheet.Cell(2, 4).GetDateTime());
        Assert.Equal("dd/mm/yyyy hh:mm", sheet.Cell(2, 3).Style.NumberFormat.Format);
        Assert.Equal(["FIR-R-0004", "finalized", "Kotwali", "Raipur", "BNS; 303(2)", "Station Road", "Asha Sample", "Fourth complaint.", "session-r4", "user-r4"],
            TextColumns.Select(c => sheet.Cell(2, c).GetString()));
        // A pending FIR has no finalized time, and a fir_content without those fields leaves their cells empty.
        Assert.True(sheet.Cell(3, 4).IsEmpty());
        Assert.True(sheet.Cell(3, 5).IsEmpty());
    }

    [Fact]
    public async Task GenerateExcel_RunAgainWithTheSameTaskId_OverwritesItsOwnBlob()
    {
        var kwargs = new JsonObject { ["fir_ids"] = new JsonArray("FIR-R-0001"), ["report_name"] = "again" };
        var first = await _h.RunAsync(AfirgenTaskNames.GenerateExcel, kwargs);
        var again = await _h.RunAgainAfterCrashAsync(AfirgenTaskNames.GenerateExcel, (JsonObject)kwargs.DeepClone(), first.TaskId);

        Assert.Equal(Results.Success(first)["file_path"]!.ToString(), Results.Success(again)["file_path"]!.ToString());
        var blobs = new List<BlobItem>();
        await foreach (var b in _h.Container(_h.ReportsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, "tmp/excel/again/", CancellationToken.None)) blobs.Add(b);
        Assert.Single(blobs);
    }

    [Theory]
    [InlineData("[]", "fir_ids is empty")]
    [InlineData("[\"FIR-R-0001\", \"FIR-GONE-1\", \"FIR-GONE-2\"]", "2 of the 3 FIRs do not exist: FIR-GONE-1, FIR-GONE-2")]
    public async Task GenerateExcel_WithBadIds_FailsAtOnceNamingThem(string ids, string expected)
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.GenerateExcel, new JsonObject { ["fir_ids"] = JsonNode.Parse(ids) });

        Assert.Contains(expected, Results.Failure(meta));
    }
}
