using Afirgen.TaskProcessor.AfirgenTasks.Records;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Renders one FIR as India's First Information Report form (Form IF1, section 154 CrPC / 173 BNSS), filled
/// from its record (<see cref="FirFormReader"/>) with ruled blanks where AFIRGen's data is silent, times in
/// the station's zone. <c>summary</c>: one page of essentials; <c>standard</c>: the whole form, to file;
/// <c>detailed</c>: the whole form, with AFIRGen's internal ids and processing times in every page's footer.
/// </summary>
public static class FirPdfRenderer
{
    /// <summary>Unicode encoding embeds a ToUnicode map, so the text can be searched and extracted (and tested).</summary>
    internal static readonly XPdfFontOptions FontOptions = new(PdfFontEncoding.Unicode);

    /// <summary>How much of the complaint a summary shows; the summary must stay one page.</summary>
    private const int SummaryComplaintLength = 1200;
    private const int SummaryFieldLength = 160;
    /// <summary>Wide enough for "(b) Father's / husband's name" on one line.</summary>
    private const double ComplainantLabelWidth = 175;

    public static byte[] Render(FirRecord fir, ReportType type, DateTimeOffset generatedAt, StationTime time)
    {
        EmbeddedFontResolver.EnsureInstalled();
        var form = FirFormReader.Read(fir, time);

        using var document = new PdfDocument();
        document.Info.Title = $"First Information Report {fir.FirNumber} ({type.Name()})";
        document.Info.Creator = "AFIRGen task processor";
        document.Info.CreationDate = generatedAt.UtcDateTime;

        var station = form.PoliceStation is null ? "" : $" · P.S. {form.PoliceStation}";
        using (var flow = new PdfTextFlow(document, $"First Information Report · FIR No. {fir.FirNumber}{station} (continued)", footerLines: type == ReportType.Detailed ? 3 : 1))
        {
            Header(flow, fir, type, generatedAt, time);
            if (type == ReportType.Summary)
            {
                Summary(flow, form);
            }
            else
            {
                FullForm(flow, form);
            }
            flow.Finish((page, count) => Footer(fir, form, type, generatedAt, time, page, count));
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static void Header(PdfTextFlow flow, FirRecord fir, ReportType type, DateTimeOffset generatedAt, StationTime time)
    {
        flow.Centered("FIRST INFORMATION REPORT", PdfTextFlow.Font(15, bold: true), 1);
        flow.Centered("(Under Section 154 Cr.P.C. / Section 173 B.N.S.S.)", flow.Regular, 0);
        var kind = type == ReportType.Summary ? "Summary, not the form to file" : "Form IF1 (Integrated Form)";
        flow.RightAligned($"{kind} · times in {time.Label(generatedAt)}", flow.Small, 0);
        if (fir.Status != FirStatuses.Finalized)
        {
            // A record AFIRGen has not finalized is a draft; printing it must not pass it off as registered.
            flow.Centered($"DRAFT: this FIR is '{fir.Status}' in AFIRGen, not finalized", PdfTextFlow.Font(9, bold: true), 0);
        }
        flow.Rule(2, 6, 1.2);
    }

    /// <summary>Items 1 to 15 of Form IF1.</summary>
    private static void FullForm(PdfTextFlow flow, FirForm form)
    {
        StationAndNumber(flow, form);

        flow.Item("2.", "Acts and sections");
        flow.Field("(i) Acts", form.Acts, 110);
        flow.Field("(ii) Sections", form.Sections, 110);
        flow.Space(3);

        Occurrence(flow, form);

        flow.Item("4.", "Type of information");
        flow.Row(new FormCell("Written / oral:", form.TypeOfInformation));
        flow.Space(3);

        flow.Item("5.", "Place of occurrence");
        flow.Row(new FormCell("(a) Direction and distance from P.S.:", form.DirectionAndDistance, 3), new FormCell("Beat No.:", form.BeatNumber, 1));
        flow.Field("(b) Place", form.Place, 110);
        flow.Field("(c) Address", form.PlaceAddress, 110);
        flow.Row(new FormCell("(d) If outside the limits of this P.S., name of P.S.:", null, 3), new FormCell("District:", null, 1.4));
        flow.Space(3);

        flow.Item("6.", "Complainant / informant");
        flow.Field("(a) Name", form.ComplainantName, ComplainantLabelWidth);
        flow.Field("(b) Father's / husband's name", form.FatherOrHusbandName, ComplainantLabelWidth);
        flow.Row(new FormCell("(c) Date / year of birth:", form.DateOfBirth), new FormCell("(d) Nationality:", form.Nationality));
        flow.Row(new FormCell("(e) Passport No.:", form.PassportNumber), new FormCell("(f) Occupation:", form.Occupation));
        flow.Field("(g) Address", form.ComplainantAddress, ComplainantLabelWidth, blankLines: 2);
        flow.Field("(h) Phone number", form.ComplainantPhone, ComplainantLabelWidth);
        flow.Space(3);

        flow.Item("7.", "Details of known / suspected / unknown accused with full particulars");
        Answer(flow, form.Accused, 2);
        flow.Item("8.", "Reasons for delay in reporting by the complainant / informant");
        Answer(flow, form.DelayReasons, 1);
        flow.Item("9.", "Particulars of properties stolen / involved");
        Answer(flow, form.Properties, 2);
        flow.Item("10.", "Total value of properties stolen / involved");
        Answer(flow, form.PropertiesValue, 1);
        flow.Item("11.", "Inquest report / U.D. case No., if any");
        Answer(flow, form.InquestReport, 1);

        FirstInformation(flow, form);
        ActionAndSignatures(flow, form);
    }

    /// <summary>Item 12: the first information, then what fir_content holds beyond the form's fields.</summary>
    private static void FirstInformation(PdfTextFlow flow, FirForm form)
    {
        flow.Item("12.", "First information contents");
        Answer(flow, form.FirstInformation, 6);
        if (form.UnlabelledContent is not null)
        {
            flow.Paragraph("FIR content as recorded by AFIRGen:", flow.Bold, 1);
            flow.Paragraph(form.UnlabelledContent);
        }
        if (form.FurtherParticulars.Count > 0)
        {
            flow.KeepTogether(30);
            flow.Paragraph("Further particulars recorded by AFIRGen:", flow.Bold, 1);
            foreach (var (label, value) in form.FurtherParticulars)
            {
                flow.Field(label, value, ComplainantLabelWidth);
            }
        }
        flow.Space(3);
    }

    /// <summary>Items 13 to 15: the action taken, the signatures and the despatch to the court.</summary>
    private static void ActionAndSignatures(PdfTextFlow flow, FirForm form)
    {
        flow.Item("13.", "Action taken", followedBy: 60);
        flow.Paragraph("Since the above information reveals commission of offence(s) u/s as mentioned at item No. 2 (registered the case and took up the investigation; "
            + "or directed the officer below to take up the investigation; or refused investigation, giving the reason; or transferred to another P.S. on point of jurisdiction):", flow.Small, 2);
        Answer(flow, form.ActionTaken, 2);
        flow.Paragraph("Investigating officer directed to take up the investigation", flow.Bold, 0);
        flow.Row(new FormCell("Name:", form.InvestigatingOfficerName, 2.4), new FormCell("Rank:", form.InvestigatingOfficerRank, 1.4), new FormCell("No.:", form.InvestigatingOfficerNumber, 1));
        flow.Paragraph("F.I.R. read over to the complainant / informant, admitted to be correctly recorded and a copy given to the complainant / informant free of cost.", flow.Small, 2);

        flow.Signatures(
            new SignatureBlock("Signature / thumb impression of the complainant / informant", [("Name:", form.ComplainantName)], Number: "14."),
            new SignatureBlock("Signature of officer in charge, police station", [("Name:", form.OfficerInChargeName), ("Rank:", form.OfficerInChargeRank), ("No.:", form.OfficerInChargeNumber)]));

        flow.Item("15.", "Date and time of despatch to the court");
        Answer(flow, form.DespatchToCourt, 1);
    }

    /// <summary>Page one's essentials: where and when, who complains against whom, and the start of the complaint.</summary>
    private static void Summary(PdfTextFlow flow, FirForm form)
    {
        StationAndNumber(flow, form);
        flow.Item("2.", "Acts and sections");
        flow.Field("(i) Acts", Shorten(form.Acts, SummaryFieldLength), 110);
        flow.Field("(ii) Sections", Shorten(form.Sections, SummaryFieldLength), 110);
        flow.Space(3);
        Occurrence(flow, form, withDiary: false);
        flow.Item("5.", "Place of occurrence");
        flow.Field("Place", Shorten(form.Place, SummaryFieldLength), ComplainantLabelWidth);
        flow.Field("Direction and distance from P.S.", Shorten(form.DirectionAndDistance, SummaryFieldLength), ComplainantLabelWidth);
        flow.Space(3);
        flow.Item("6.", "Complainant / informant");
        flow.Row(new FormCell("Name:", Shorten(form.ComplainantName, SummaryFieldLength), 1.6), new FormCell("Phone:", Shorten(form.ComplainantPhone, 40)));
        flow.Space(3);
        flow.Item("7.", "Accused");
        Answer(flow, Shorten(form.Accused, SummaryFieldLength * 2), 1);
        flow.Item("12.", "First information contents (beginning)");
        Answer(flow, Shorten(form.FirstInformation, SummaryComplaintLength), 3);
        flow.Paragraph("This summary is not the FIR to file: the standard report is the complete Form IF1 with signatures.", flow.Small, 0);
    }

    private static void StationAndNumber(PdfTextFlow flow, FirForm form)
    {
        flow.Item("1.", "District, police station, year, FIR number and date");
        flow.Row(new FormCell("District:", form.District, 1.2), new FormCell("P.S.:", form.PoliceStation, 1.5), new FormCell("Year:", form.Year, 0.6));
        flow.Row(new FormCell("FIR No.:", form.FirNumber, 2), new FormCell("Date:", form.FirDate, 1.3));
        flow.Space(3);
    }

    private static void Occurrence(PdfTextFlow flow, FirForm form, bool withDiary = true)
    {
        flow.Item("3.", "(a) Occurrence of offence");
        flow.Row(new FormCell("Day:", form.OccurrenceDay), new FormCell("Date from:", form.OccurrenceDateFrom), new FormCell("Date to:", form.OccurrenceDateTo));
        flow.Row(new FormCell("Time period:", form.OccurrenceTimePeriod), new FormCell("Time from:", form.OccurrenceTimeFrom), new FormCell("Time to:", form.OccurrenceTimeTo));
        flow.Paragraph("(b) Information received at P.S.", flow.Bold, 0);
        flow.Row(new FormCell("Date:", form.InformationReceivedDate), new FormCell("Time:", form.InformationReceivedTime));
        if (withDiary)
        {
            flow.Paragraph("(c) General diary reference", flow.Bold, 0);
            flow.Row(new FormCell("Entry No.:", form.GeneralDiaryEntry), new FormCell("Time:", form.GeneralDiaryTime));
        }
        flow.Space(3);
    }

    /// <summary>An item's answer beneath its heading, or <paramref name="blankLines"/> ruled lines to write it in.</summary>
    private static void Answer(PdfTextFlow flow, string? value, int blankLines)
    {
        if (value is null)
        {
            flow.BlankLines(blankLines);
        }
        else
        {
            flow.Paragraph(value, spaceAfter: 3);
        }
    }

    private static List<string> Footer(FirRecord fir, FirForm form, ReportType type, DateTimeOffset generatedAt, StationTime time, int page, int count)
    {
        var station = form.PoliceStation is null ? "" : $" · P.S. {form.PoliceStation}";
        var lines = new List<string> { $"First Information Report · FIR No. {fir.FirNumber}{station} · {type.Name()} report · page {page} of {count}" };
        if (type == ReportType.Detailed)
        {
            // Internal ids identify AFIRGen's session and user: for the office that processes the record, not for the form.
            lines.Add($"AFIRGen record (internal): session id {fir.SessionId ?? "none"} · user id {fir.UserId ?? "none"} · status {fir.Status}");
            lines.Add($"Created {time.DateAndTime(fir.CreatedAt)} · finalized {(fir.FinalizedAt is { } f ? time.DateAndTime(f) : "not yet")} · report generated {time.DateAndTime(generatedAt)}");
        }
        return lines;
    }

    /// <summary>At most <paramref name="length"/> characters on as few lines as they take: line breaks become spaces, so a summary cannot grow past its page.</summary>
    private static string? Shorten(string? text, int length)
    {
        if (text is null) return null;
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= length ? text : text[..length].TrimEnd() + " …";
    }
}
