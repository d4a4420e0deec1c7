using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>Renders one FIR as a PDF with PDFsharp, in the detail the report type asks for.</summary>
public static class FirPdfRenderer
{
    /// <summary>Unicode encoding embeds a ToUnicode map, so the text can be searched and extracted (and tested).</summary>
    internal static readonly XPdfFontOptions FontOptions = new(PdfFontEncoding.Unicode);

    private const int SummaryComplaintLength = 600;

    public static byte[] Render(FirRecord fir, ReportType type, DateTimeOffset generatedAt)
    {
        EmbeddedFontResolver.EnsureInstalled();
        var title = new XFont(EmbeddedFontResolver.FamilyName, 16, XFontStyleEx.Bold, FontOptions);
        var heading = new XFont(EmbeddedFontResolver.FamilyName, 11, XFontStyleEx.Bold, FontOptions);
        var label = new XFont(EmbeddedFontResolver.FamilyName, 9, XFontStyleEx.Bold, FontOptions);
        var body = new XFont(EmbeddedFontResolver.FamilyName, 9, XFontStyleEx.Regular, FontOptions);

        using var document = new PdfDocument();
        document.Info.Title = $"FIR {fir.FirNumber} ({type.Name()})";
        document.Info.Creator = "AFIRGen task processor";
        document.Info.CreationDate = generatedAt.UtcDateTime;

        using (var flow = new PdfTextFlow(document, $"FIR {fir.FirNumber} · {type.Name()} report · generated {Format(generatedAt)}"))
        {
            flow.Paragraph("First Information Report", title, 4);
            flow.Paragraph($"FIR number {fir.FirNumber}", heading, 10);

            flow.Field("Status", fir.Status, label, body);
            flow.Field("Registered", Format(fir.CreatedAt), label, body);
            flow.Field("Finalized", fir.FinalizedAt is { } f ? Format(f) : "not yet", label, body);
            if (type == ReportType.Detailed)
            {
                flow.Field("Session id", fir.SessionId ?? "—", label, body);
                flow.Field("User id", fir.UserId ?? "—", label, body);
            }
            flow.Paragraph("", body, 8);

            switch (type)
            {
                case ReportType.Summary:
                    flow.Paragraph("Complaint (summary)", heading);
                    flow.Paragraph(Shorten(fir.ComplaintText, SummaryComplaintLength), body);
                    break;
                case ReportType.Standard:
                    flow.Paragraph("FIR content", heading);
                    WriteContent(flow, fir.FirContent, label, body);
                    break;
                case ReportType.Detailed:
                    flow.Paragraph("FIR content", heading);
                    WriteContent(flow, fir.FirContent, label, body);
                    flow.Paragraph("Complaint as given", heading);
                    flow.Paragraph(string.IsNullOrWhiteSpace(fir.ComplaintText) ? "—" : fir.ComplaintText, body);
                    break;
            }
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>AFIRGen stores fir_content as JSON or as text: JSON objects are shown field by field.</summary>
    private static void WriteContent(PdfTextFlow flow, string? content, XFont label, XFont body)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            flow.Paragraph("—", body);
            return;
        }
        JsonObject? json = null;
        try
        {
            json = content.TrimStart().StartsWith('{') ? JsonNode.Parse(content) as JsonObject : null;
        }
        catch (JsonException)
        {
            // Not JSON after all: shown as text below.
        }
        if (json is null)
        {
            flow.Paragraph(content, body);
            return;
        }
        foreach (var (key, value) in json)
        {
            var text = value switch
            {
                null => "—",
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                _ => value.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
            };
            flow.Field(key.Replace('_', ' '), text, label, body);
        }
    }

    private static string Shorten(string? text, int length) =>
        string.IsNullOrWhiteSpace(text) ? "—" : text.Length <= length ? text : text[..length].TrimEnd() + " …";

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
