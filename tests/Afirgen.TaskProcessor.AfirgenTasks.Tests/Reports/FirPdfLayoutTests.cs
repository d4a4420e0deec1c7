using System.Text;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.AfirgenTasks.Demo;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Reports;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>
/// The PDF as Form IF1, checked the way a reader meets it: each page rendered to an image by pdftoppm
/// (kept as PNGs under bin/…/artifacts/reports/), its pixels asked where ink must be (the signing lines,
/// the ruled blanks, the title), its text read back by pdftotext (headings in order, filled values beside
/// their labels, blanks, the zone, internal ids only in the detailed footer), every word's box checked
/// for overlaps and for staying inside the margins.
/// </summary>
public sealed class FirPdfLayoutTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 5, 12, 0, 0, TimeSpan.Zero);
    private const string SessionId = "session-7f3a9c2e";
    private const string UserId = "user-4711";

    private static FirRecord Fir(string? content, string? complaint = "The complainant's account of what happened.", string status = FirStatuses.Finalized,
        DateTimeOffset? created = null) =>
        new("FIR-L-0001", SessionId, UserId, status, complaint, content, created ?? Now.AddHours(-2), status == FirStatuses.Finalized ? Now.AddHours(-1) : null);

    private static Task<RenderedPdf> RenderAsync(FirRecord fir, string type, string name, StationTime? time = null) =>
        RenderedPdf.RenderAsync(FirPdfRenderer.Render(fir, ReportTypes.Parse(type), Now, time ?? StationTime.India), $"{name}-{type}");

    private static FirRecord DemoFir(string number) => SampleFirs.Create(Now).Single(f => f.FirNumber == number);

    /// <summary>Asserts the words appear in this order, each right after the previous allowing only whitespace.</summary>
    private static void AssertAdjacent(RenderedPdf pdf, params string[] parts) =>
        Assert.Matches(new Regex(string.Join(@"\s*", parts.Select(Regex.Escape))), pdf.FlatText);

    private static void AssertBlankAfter(RenderedPdf pdf, string label) =>
        Assert.Matches(new Regex(Regex.Escape(label) + @"\s*_{8,}"), pdf.FlatText);

    [Fact]
    public async Task Standard_HasFormIF1sItemsInOrder_FromTheTitleToTheSignatures()
    {
        var pdf = await RenderAsync(DemoFir("FIR-DEMO-0001"), "standard", "items-in-order");

        var text = pdf.FlatText;
        var at = 0;
        foreach (var heading in new[]
        {
            "FIRST INFORMATION REPORT", "(Under Section 154 Cr.P.C. / Section 173 B.N.S.S.)", "Form IF1",
            "1. District, police station, year, FIR number and date", "2. Acts and sections", "3. (a) Occurrence of offence",
            "(b) Information received at P.S.", "(c) General diary reference", "4. Type of information", "5. Place of occurrence",
            "6. Complainant / informant", "7. Details of known / suspected / unknown accused with full particulars",
            "8. Reasons for delay in reporting by the complainant / informant", "9. Particulars of properties stolen / involved",
            "10. Total value of properties stolen / involved", "11. Inquest report / U.D. case No., if any", "12. First information contents",
            "13. Action taken", "Investigating officer directed to take up the investigation", "F.I.R. read over to the complainant / informant",
            "14. Signature / thumb impression of the complainant / informant", "Signature of officer in charge, police station",
            "15. Date and time of despatch to the court",
        })
        {
            var found = text.IndexOf(heading, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{heading}' is missing after position {at} of:\n{text}");
            at = found + heading.Length;
        }
    }

    [Fact]
    public async Task Standard_FillsEachFieldBesideItsLabel_FromTheDemosFirContent()
    {
        var pdf = await RenderAsync(DemoFir("FIR-DEMO-0001"), "standard", "filled");

        AssertAdjacent(pdf, "District:", "Demo District", "P.S.:", "Demo Town Police Station", "Year:", "2026");
        AssertAdjacent(pdf, "FIR No.:", "FIR-DEMO-0001", "Date:", "05/03/2026");
        AssertAdjacent(pdf, "(i) Acts", "Bharatiya Nyaya Sanhita, 2023", "(ii) Sections", "303(2) (theft)");
        AssertAdjacent(pdf, "Day:", "Thursday", "Date from:", "05/03/2026");
        AssertAdjacent(pdf, "Time from:", "18:00", "Time to:", "18:20");
        AssertAdjacent(pdf, "(a) Direction and distance from P.S.:", "1.5 km, north-east", "Beat No.:", "4");
        AssertAdjacent(pdf, "(b) Place", "Outside a shop, Sample Street, Demo Town");
        AssertAdjacent(pdf, "(a) Name", "Asha Sample", "(b) Father's / husband's name", "Ramesh Sample");
        AssertAdjacent(pdf, "(g) Address", "12 Example Lane, Demo Town", "(h) Phone number", "+91 00000 00101");
        AssertAdjacent(pdf, "with full particulars", "Name: Unknown; Description: young man, red shirt");
        AssertAdjacent(pdf, "stolen / involved", "Item: Bicycle, blue, 26-inch; Value: Rs 6,500");
        AssertAdjacent(pdf, "take up the investigation", "Name:", "Sub-Inspector Demo Singh", "Rank:", "Sub-Inspector", "No.:", "SI-0042");
        AssertAdjacent(pdf, "Signature of officer in charge, police station", "Name:", "Inspector Sample Rao", "Rank:", "Inspector", "No.:", "INS-0007");
        // What the form has no item for is still on it.
        AssertAdjacent(pdf, "Further particulars recorded by AFIRGen:", "Complainant email", "complainant@example.org");
    }

    [Fact]
    public async Task Standard_LeavesARuledBlank_ForEachFieldFirContentDoesNotCarry()
    {
        var sparse = await RenderAsync(Fir("""{"place": "Demo Park"}"""), "standard", "blanks");
        var filled = await RenderAsync(DemoFir("FIR-DEMO-0001"), "standard", "blanks-filled");

        foreach (var label in new[] { "District:", "P.S.:", "(i) Acts", "(ii) Sections", "Day:", "Beat No.:", "(a) Name", "(b) Father's / husband's name",
            "(h) Phone number", "with full particulars", "Inquest report / U.D. case No., if any", "Date and time of despatch to the court" })
        {
            AssertBlankAfter(sparse, label);
        }
        AssertAdjacent(sparse, "(b) Place", "Demo Park");
        Assert.Matches(new Regex(@"Signature of officer in charge, police station\s*Name:\s*_{8,}\s*Rank:\s*_{8,}\s*No\.:\s*_{8,}"), sparse.FlatText);

        // The blank prints as a line: right of "District:" a long unbroken run of ink where a value would be text.
        double InkLineRightOfDistrict(RenderedPdf pdf)
        {
            var label = pdf.Find("District:", page: 1).First();
            return pdf.Pages[0].LongestHorizontalLine(label.XMax + 1, label.YMin, label.XMax + 110, label.YMax + 2);
        }
        Assert.True(InkLineRightOfDistrict(sparse) >= 80, $"the blank after District: is {InkLineRightOfDistrict(sparse)} pt long");
        Assert.True(InkLineRightOfDistrict(filled) < 20, $"a filled District: shows a line of {InkLineRightOfDistrict(filled)} pt");
    }

    [Fact]
    public async Task Times_AreInTheStationsZone_WhichThePageNames()
    {
        // 20:00 UTC is 01:30 the next day in India.
        var fir = Fir("""{"police_station": "Demo Town Police Station"}""", created: new DateTimeOffset(2026, 3, 5, 20, 0, 0, TimeSpan.Zero));

        var india = await RenderAsync(fir, "standard", "zone-india");
        var berlin = await RenderAsync(fir, "standard", "zone-berlin", StationTime.Create(new ReportOptions { TimeZone = "Europe/Berlin" }));
        var labelled = await RenderAsync(fir, "detailed", "zone-label", StationTime.Create(new ReportOptions { TimeZoneLabel = "India Time" }));

        AssertAdjacent(india, "FIR No.:", "FIR-L-0001", "Date:", "06/03/2026");
        AssertAdjacent(india, "(b) Information received at P.S.", "Date:", "06/03/2026", "Time:", "01:30 IST");
        Assert.Contains("times in IST", india.FlatText);
        Assert.DoesNotContain("UTC", india.FlatText);
        AssertAdjacent(berlin, "(b) Information received at P.S.", "Date:", "05/03/2026", "Time:", "21:00 CET");
        Assert.Contains("times in CET", berlin.FlatText);
        Assert.Contains("01:30 India Time", labelled.FlatText);
        Assert.Contains("Created 06/03/2026 01:30 India Time", labelled.FlatText);
    }

    [Fact]
    public async Task InternalIds_AreOnlyInTheDetailedReport_InEveryPagesFooter()
    {
        var fir = DemoFir("FIR-DEMO-0001") with { SessionId = SessionId, UserId = UserId };

        var summary = await RenderAsync(fir, "summary", "ids");
        var standard = await RenderAsync(fir, "standard", "ids");
        var detailed = await RenderAsync(fir, "detailed", "ids");

        foreach (var pdf in new[] { summary, standard })
        {
            Assert.DoesNotContain(SessionId, pdf.Text);
            Assert.DoesNotContain(UserId, pdf.Text);
        }
        Assert.True(detailed.PageCount >= 2);
        for (var page = 1; page <= detailed.PageCount; page++)
        {
            foreach (var id in new[] { SessionId, UserId })
            {
                var word = Assert.Single(detailed.Find(id, page));
                Assert.True(word.YMin > detailed.PageHeight - 80, $"{id} on page {page} is at {word.YMin} pt, above the footer");
            }
            Assert.Contains($"page {page} of {detailed.PageCount}", detailed.PageTexts[page - 1]);
        }
        Assert.Contains("Created 05/03/2026 14:30 IST", detailed.FlatText);
        Assert.Contains("report generated 05/03/2026 17:30 IST", detailed.FlatText);
    }

    private static string LongComplaint()
    {
        var text = new StringBuilder();
        for (var i = 1; text.Length < 14_000; i++)
        {
            text.Append($"Sentence {i} of the complainant's long account, describing the events of that evening in order and at length. ");
            if (i % 12 == 0) text.Append('\n');
        }
        return text.Append("END-OF-COMPLAINT").ToString();
    }

    [Fact]
    public async Task LongComplaint_FlowsOntoFurtherPages_AndTheSignaturesFollowIt()
    {
        var pdf = await RenderAsync(DemoFir("FIR-DEMO-0001") with { ComplaintText = LongComplaint() }, "standard", "long");

        Assert.True(pdf.PageCount >= 4, $"{pdf.PageCount} pages");
        Assert.Contains("END-OF-COMPLAINT", pdf.Text);
        for (var page = 2; page <= pdf.PageCount; page++)
        {
            Assert.StartsWith("First Information Report · FIR No. FIR-DEMO-0001 · P.S. Demo Town Police Station (continued)", pdf.PageTexts[page - 1].TrimStart());
            Assert.Contains($"page {page} of {pdf.PageCount}", pdf.PageTexts[page - 1]);
        }
        Assert.True(pdf.Text.IndexOf("END-OF-COMPLAINT", StringComparison.Ordinal) < pdf.Text.IndexOf("Signature of officer in charge", StringComparison.Ordinal));
        Assert.Contains("Signature of officer in charge", pdf.PageTexts[^1]);
    }

    [Theory]
    [InlineData("summary")]
    [InlineData("standard")]
    [InlineData("detailed")]
    public async Task NoWordOverlapsAnother_OrLeavesTheMargins(string type)
    {
        var fir = DemoFir("FIR-DEMO-0001") with { ComplaintText = LongComplaint(), FirContent = DemoFir("FIR-DEMO-0001").FirContent!.Replace("Outside a shop", "Outside a shop " + new string('x', 120)) };
        var pdf = await RenderAsync(fir, type, "overlaps");

        foreach (var page in pdf.Words.GroupBy(w => w.Page))
        {
            var words = page.ToList();
            for (var i = 0; i < words.Count; i++)
            {
                var w = words[i];
                Assert.True(w.XMin >= 40 && w.XMax <= pdf.PageWidth - 40 && w.YMin >= 30 && w.YMax <= pdf.PageHeight - 30,
                    $"'{w.Text}' on page {w.Page} at ({w.XMin:F0}, {w.YMin:F0})–({w.XMax:F0}, {w.YMax:F0}) leaves the margins");
                for (var j = i + 1; j < words.Count; j++)
                {
                    Assert.False(w.Overlaps(words[j]), $"'{w.Text}' and '{words[j].Text}' overlap on page {w.Page} near ({w.XMin:F0}, {w.YMin:F0})");
                }
            }
        }
    }

    [Fact]
    public async Task Summary_IsOnePageOfEssentials_EvenWhenTheComplaintIsLong()
    {
        var fir = DemoFir("FIR-DEMO-0001") with { ComplaintText = LongComplaint() };

        var summary = await RenderAsync(fir, "summary", "summary-long");
        var standard = await RenderAsync(fir, "standard", "summary-long");

        Assert.Equal(1, summary.PageCount);
        AssertAdjacent(summary, "P.S.:", "Demo Town Police Station");
        AssertAdjacent(summary, "12. First information contents (beginning)", "Sentence 1 of the complainant's long account");
        Assert.DoesNotContain("END-OF-COMPLAINT", summary.Text);
        Assert.Contains("This summary is not the FIR to file", summary.FlatText);
        Assert.DoesNotContain("Signature of officer in charge", summary.Text);
        Assert.True(standard.PageCount > summary.PageCount);

        // Many short lines (and lists in fir_content) are run together rather than allowed to push onto a second page.
        var manyLines = await RenderAsync(fir with { ComplaintText = string.Concat(Enumerable.Repeat("A short line.\n", 600)),
            FirContent = """{"accused": [{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "E"}, {"name": "F"}]}""" }, "summary", "summary-lines");
        Assert.Equal(1, manyLines.PageCount);
    }

    [Fact]
    public async Task SignatureBlocks_HaveRoomToSignAboveALine_AndTheTitleIsCentredAtTheTop()
    {
        var pdf = await RenderAsync(DemoFir("FIR-DEMO-0002"), "standard", "signatures");
        var lastPage = pdf.PageCount;
        var image = pdf.Pages[lastPage - 1];
        var middle = pdf.PageWidth / 2;

        // Left block: "Signature / thumb impression of the complainant / informant"; right: "Signature of officer in charge, police station".
        var left = pdf.Find("thumb", lastPage).Single();
        var right = pdf.Find("charge,", lastPage).Single();
        Assert.True(right.XMin > middle && left.XMax < middle + 40);
        foreach (var (caption, x0, x1) in new[] { (left, 60.0, middle), (right, middle, pdf.PageWidth - 45) })
        {
            var line = image.LongestHorizontalLine(x0, caption.YMin - 8, x1, caption.YMin);
            Assert.True(line >= 150, $"the signing line above '{caption.Text}' is {line} pt long");
            Assert.Equal(0, image.Ink(x0, caption.YMin - 36, x1, caption.YMin - 6));
        }

        var title = pdf.Find("FIRST", 1).Single();
        var report = pdf.Find("REPORT", 1).Single();
        Assert.True(title.YMin < 70, $"the title starts {title.YMin} pt down");
        Assert.InRange((title.XMin + report.XMax) / 2, middle - 3, middle + 3);
        Assert.True(pdf.Pages[0].Ink(title.XMin, title.YMin, report.XMax, report.YMax) > 800, "the title is not bold ink");
    }

    [Fact]
    public async Task TheTextAfirgensBackendRendersFromItsTemplate_FillsTheForm()
    {
        var pdf = await RenderAsync(DemoFir("FIR-DEMO-0005"), "standard", "afirgen-template");

        AssertAdjacent(pdf, "District:", "Demo District", "P.S.:", "Station Road Police Station", "Year:", "2025");
        AssertAdjacent(pdf, "(i) Acts", "Indian Penal Code", "(ii) Sections", "427");
        AssertAdjacent(pdf, "(b) Information received at P.S.", "Date:", "09/01/2025", "Time:", "09:15");
        AssertAdjacent(pdf, "(a) Name", "Meera Example", "(b) Father's / husband's name", "Arjun Example");
        AssertAdjacent(pdf, "(g) Address", "7 Sample Road, Demo Town", "(h) Phone number", "+91 00000 00105");
        AssertAdjacent(pdf, "with full particulars", "Unknown");
        AssertAdjacent(pdf, "take up the investigation", "Name:", "Sub-Inspector Demo Singh", "Rank:", "Sub-Inspector");
        AssertAdjacent(pdf, "Further particulars recorded by AFIRGen:", "Detailed Description", "A parked car was scratched along one side.");
    }

    [Fact]
    public async Task AFirNotYetFinalized_IsMarkedAsADraft()
    {
        var pending = await RenderAsync(Fir("{}", status: FirStatuses.Pending), "standard", "draft");
        var finalized = await RenderAsync(Fir("{}"), "standard", "final");

        Assert.Contains("DRAFT: this FIR is 'pending' in AFIRGen, not finalized", pending.FlatText);
        Assert.DoesNotContain("DRAFT", finalized.Text);
    }
}
