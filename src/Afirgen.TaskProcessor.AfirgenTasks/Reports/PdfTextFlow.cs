using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Writes lines of text down A4 pages, wrapping at word boundaries and starting a new page when one is
/// full. PDFsharp draws single lines only; this is the layout it leaves to its user.
/// </summary>
internal sealed class PdfTextFlow : IDisposable
{
    private const double Margin = 50;
    private readonly PdfDocument _document;
    private readonly string _footer;
    private XGraphics _graphics = null!;
    private PdfPage _page = null!;
    private double _y;

    public PdfTextFlow(PdfDocument document, string footer)
    {
        _document = document;
        _footer = footer;
        NewPage();
    }

    private double Width => _page.Width.Point - 2 * Margin;
    private double Bottom => _page.Height.Point - Margin - 20;

    /// <summary>Writes <paramref name="text"/> (which may hold line breaks) wrapped to the page width, then a little space.</summary>
    public void Paragraph(string text, XFont font, double spaceAfter = 6)
    {
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            foreach (var wrapped in Wrap(line, font))
            {
                Line(wrapped, font);
            }
        }
        _y += spaceAfter;
    }

    /// <summary>A label and its value on one line (the value wraps beneath when long).</summary>
    public void Field(string label, string value, XFont labelFont, XFont valueFont)
    {
        var height = labelFont.GetHeight();
        EnsureRoom(height);
        _graphics.DrawString(label, labelFont, XBrushes.Black, new XRect(Margin, _y, 130, height), XStringFormats.TopLeft);
        var lines = Wrap(value, valueFont, Width - 140).ToList();
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0) EnsureRoom(height);
            _graphics.DrawString(lines[i], valueFont, XBrushes.Black, new XRect(Margin + 140, _y, Width - 140, height), XStringFormats.TopLeft);
            _y += height + 2;
        }
        if (lines.Count == 0) _y += height + 2;
    }

    public void Dispose() => _graphics.Dispose();

    private void Line(string text, XFont font)
    {
        var height = font.GetHeight();
        EnsureRoom(height);
        _graphics.DrawString(text, font, XBrushes.Black, new XRect(Margin, _y, Width, height), XStringFormats.TopLeft);
        _y += height + 2;
    }

    private void EnsureRoom(double height)
    {
        if (_y + height > Bottom) NewPage();
    }

    private void NewPage()
    {
        _graphics?.Dispose();
        _page = _document.AddPage();
        _page.Size = PdfSharp.PageSize.A4;
        _graphics = XGraphics.FromPdfPage(_page);
        var footerFont = new XFont(EmbeddedFontResolver.FamilyName, 8, XFontStyleEx.Regular, FirPdfRenderer.FontOptions);
        _graphics.DrawString($"{_footer} · page {_document.PageCount}", footerFont, XBrushes.Gray,
            new XRect(Margin, _page.Height.Point - Margin, Width, 12), XStringFormats.TopLeft);
        _y = Margin;
    }

    private IEnumerable<string> Wrap(string line, XFont font, double? width = null)
    {
        var max = width ?? Width;
        if (line.Length == 0)
        {
            yield return "";
            yield break;
        }
        var current = "";
        foreach (var word in line.Split(' '))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (_graphics.MeasureString(candidate, font).Width <= max)
            {
                current = candidate;
                continue;
            }
            if (current.Length > 0) yield return current;
            current = word;
            // A single word wider than the line (a URL, a long id): cut it by characters.
            while (_graphics.MeasureString(current, font).Width > max && current.Length > 1)
            {
                var cut = current.Length - 1;
                while (cut > 1 && _graphics.MeasureString(current[..cut], font).Width > max) cut--;
                yield return current[..cut];
                current = current[cut..];
            }
        }
        if (current.Length > 0) yield return current;
    }
}
