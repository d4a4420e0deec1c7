using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Lays a printed form out down A4 pages: numbered items, rows of labelled cells, label/value fields,
/// wrapped paragraphs and signature blocks, starting a new page when one is full. A field without a value
/// gets a ruled blank (a run of underscores, so it prints as a line and reads as a blank when the text is
/// extracted). Footers are drawn last, when the page count is known. PDFsharp draws single lines only;
/// this is the layout it leaves to its user.
/// </summary>
internal sealed class PdfTextFlow : IDisposable
{
    public const double Margin = 42;
    /// <summary>Where an item's content starts, right of its number.</summary>
    public const double Gutter = 24;
    private const double TopMargin = 40;
    private const double CellGap = 10;
    private const double FooterLineHeight = 9.5;

    private readonly PdfDocument _document;
    private readonly string _continuationHeader;
    private readonly double _footerHeight;
    private XGraphics _graphics = null!;
    private PdfPage _page = null!;

    public PdfTextFlow(PdfDocument document, string continuationHeader, int footerLines)
    {
        _document = document;
        _continuationHeader = continuationHeader;
        _footerHeight = footerLines * FooterLineHeight + 14;
        NewPage();
    }

    public static XFont Font(double size, bool bold = false) =>
        new(EmbeddedFontResolver.FamilyName, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, FirPdfRenderer.FontOptions);

    public XFont Regular { get; } = Font(9);
    public XFont Bold { get; } = Font(9, bold: true);
    public XFont Small { get; } = Font(7.5);

    /// <summary>The vertical position of the next line, in points from the top of the current page.</summary>
    public double Y { get; private set; }

    private double PageWidth => _page.Width.Point;
    private double Right => PageWidth - Margin;
    private double Bottom => _page.Height.Point - Margin - _footerHeight;
    private static double LineHeight(XFont font) => font.GetHeight() + 2.5;

    public void Space(double points) => Y += points;

    /// <summary>Starts a new page unless <paramref name="height"/> points still fit on this one.</summary>
    public void KeepTogether(double height)
    {
        if (Y + height > Bottom) NewPage();
    }

    public void Centered(string text, XFont font, double spaceAfter = 2)
    {
        foreach (var line in Wrap(text, font, Right - Margin))
        {
            KeepTogether(LineHeight(font));
            _graphics.DrawString(line, font, XBrushes.Black, new XRect(Margin, Y, Right - Margin, font.GetHeight()), XStringFormats.TopCenter);
            Y += LineHeight(font);
        }
        Y += spaceAfter;
    }

    public void RightAligned(string text, XFont font, double spaceAfter = 2)
    {
        KeepTogether(LineHeight(font));
        _graphics.DrawString(text, font, XBrushes.Black, new XRect(Margin, Y, Right - Margin, font.GetHeight()), XStringFormats.TopRight);
        Y += LineHeight(font) + spaceAfter;
    }

    /// <summary>A horizontal line across the text width.</summary>
    public void Rule(double spaceBefore = 3, double spaceAfter = 5, double width = 0.8)
    {
        Y += spaceBefore;
        _graphics.DrawLine(new XPen(XColors.Black, width), Margin, Y, Right, Y);
        Y += spaceAfter;
    }

    /// <summary>
    /// An item's number in the margin and its heading in bold; <paramref name="followedBy"/> points of what
    /// comes next are kept on the same page, so that a heading never ends a page alone.
    /// </summary>
    public void Item(string number, string heading, double followedBy = 14)
    {
        var lines = Wrap(heading, Bold, Right - Margin - Gutter).ToList();
        KeepTogether(lines.Count * LineHeight(Bold) + followedBy);
        _graphics.DrawString(number, Bold, XBrushes.Black, new XRect(Margin, Y, Gutter, Bold.GetHeight()), XStringFormats.TopLeft);
        foreach (var line in lines)
        {
            _graphics.DrawString(line, Bold, XBrushes.Black, new XRect(Margin + Gutter, Y, Right - Margin - Gutter, Bold.GetHeight()), XStringFormats.TopLeft);
            Y += LineHeight(Bold);
        }
        Y += 1;
    }

    /// <summary>
    /// One line of labelled cells sharing the width by weight (<c>District: … P.S.: … Year: …</c>); a value too
    /// long for its cell wraps within it, an absent one is a ruled blank to the cell's end.
    /// </summary>
    public void Row(params FormCell[] cells) => Row(Margin + Gutter, cells);

    public void Row(double left, params FormCell[] cells)
    {
        var total = cells.Sum(c => c.Weight);
        var width = Right - left - CellGap * (cells.Length - 1);
        var layouts = new List<(double X, string Label, double LabelWidth, double ValueWidth, List<string> Lines)>();
        var x = left;
        foreach (var cell in cells)
        {
            var cellWidth = width * cell.Weight / total;
            var labelWidth = _graphics.MeasureString(cell.Label, Bold).Width + 4;
            var valueWidth = Math.Max(20, cellWidth - labelWidth);
            var lines = cell.Value is null ? [Blank(valueWidth)] : Wrap(cell.Value, Regular, valueWidth).ToList();
            layouts.Add((x, cell.Label, labelWidth, valueWidth, lines));
            x += cellWidth + CellGap;
        }
        var rows = layouts.Max(l => l.Lines.Count);
        KeepTogether(Math.Min(rows, 3) * LineHeight(Regular));
        for (var i = 0; i < rows; i++)
        {
            if (i > 0) KeepTogether(LineHeight(Regular));
            foreach (var (cellX, label, labelWidth, valueWidth, lines) in layouts)
            {
                if (i == 0)
                {
                    _graphics.DrawString(label, Bold, XBrushes.Black, new XRect(cellX, Y, labelWidth, Bold.GetHeight()), XStringFormats.TopLeft);
                }
                if (i < lines.Count)
                {
                    DrawValue(lines[i], new XRect(cellX + labelWidth, Y, valueWidth, Regular.GetHeight()));
                }
            }
            Y += LineHeight(Regular);
        }
        Y += 1.5;
    }

    /// <summary>
    /// A label on the left and its value beside it, wrapped (across pages when long); an absent value is
    /// <paramref name="blankLines"/> ruled blanks to fill in by hand.
    /// </summary>
    public void Field(string label, string? value, double labelWidth = 150, int blankLines = 1, double? left = null)
    {
        var x = left ?? Margin + Gutter;
        var valueX = x + labelWidth;
        var valueWidth = Right - valueX;
        var labelLines = Wrap(label, Bold, labelWidth - 6).ToList();
        var valueLines = value is null
            ? Enumerable.Repeat(Blank(valueWidth), blankLines).ToList()
            : value.ReplaceLineEndings("\n").Split('\n').SelectMany(l => Wrap(l, Regular, valueWidth)).ToList();
        var rows = Math.Max(labelLines.Count, valueLines.Count);
        KeepTogether(Math.Min(rows, 3) * LineHeight(Regular));
        for (var i = 0; i < rows; i++)
        {
            if (i > 0) KeepTogether(LineHeight(Regular));
            if (i < labelLines.Count)
            {
                _graphics.DrawString(labelLines[i], Bold, XBrushes.Black, new XRect(x, Y, labelWidth, Bold.GetHeight()), XStringFormats.TopLeft);
            }
            if (i < valueLines.Count)
            {
                DrawValue(valueLines[i], new XRect(valueX, Y, valueWidth, Regular.GetHeight()));
            }
            Y += LineHeight(Regular);
        }
        Y += 1.5;
    }

    /// <summary>Text wrapped to the width right of the item numbers, flowing onto further pages as needed.</summary>
    public void Paragraph(string text, XFont? font = null, double spaceAfter = 4, double? left = null, XBrush? brush = null)
    {
        font ??= Regular;
        var x = left ?? Margin + Gutter;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            foreach (var wrapped in Wrap(line, font, Right - x))
            {
                KeepTogether(LineHeight(font));
                _graphics.DrawString(wrapped, font, brush ?? XBrushes.Black, new XRect(x, Y, Right - x, font.GetHeight()), XStringFormats.TopLeft);
                Y += LineHeight(font);
            }
        }
        Y += spaceAfter;
    }

    /// <summary>Full-width ruled blanks, for an answer to be written by hand.</summary>
    public void BlankLines(int count, double? left = null)
    {
        var x = left ?? Margin + Gutter;
        for (var i = 0; i < count; i++)
        {
            KeepTogether(LineHeight(Regular) + 4);
            Y += 4;
            DrawValue(Blank(Right - x), new XRect(x, Y, Right - x, Regular.GetHeight()));
            Y += LineHeight(Regular);
        }
        Y += 1.5;
    }

    /// <summary>
    /// Signature blocks side by side, kept on one page: room to sign above a line, the caption beneath it,
    /// then the block's fields (name, rank, number), each filled or left blank.
    /// </summary>
    public void Signatures(params SignatureBlock[] blocks)
    {
        const double signingRoom = 38;
        var left = Margin + Gutter;
        var width = (Right - left - CellGap * 2 * (blocks.Length - 1)) / blocks.Length;
        var heights = blocks.Select(b => Wrap(b.Caption, Bold, width).Count() * LineHeight(Bold) + b.Fields.Count * LineHeight(Regular)).ToList();
        KeepTogether(signingRoom + heights.Max() + 6);
        var top = Y + signingRoom;
        var bottom = top;
        for (var i = 0; i < blocks.Length; i++)
        {
            var x = left + i * (width + CellGap * 2);
            var y = top;
            _graphics.DrawLine(new XPen(XColors.Black, 0.8), x, y, x + width, y);
            y += 3;
            if (blocks[i].Number is { } number)
            {
                _graphics.DrawString(number, Bold, XBrushes.Black, new XRect(x - Gutter, y, Gutter, Bold.GetHeight()), XStringFormats.TopLeft);
            }
            foreach (var line in Wrap(blocks[i].Caption, Bold, width))
            {
                _graphics.DrawString(line, Bold, XBrushes.Black, new XRect(x, y, width, Bold.GetHeight()), XStringFormats.TopLeft);
                y += LineHeight(Bold);
            }
            foreach (var (label, value) in blocks[i].Fields)
            {
                var labelWidth = _graphics.MeasureString(label, Bold).Width + 4;
                var text = value is null ? Blank(width - labelWidth) : Fit(value, Regular, width - labelWidth);
                _graphics.DrawString(label, Bold, XBrushes.Black, new XRect(x, y, labelWidth, Bold.GetHeight()), XStringFormats.TopLeft);
                DrawValue(text, new XRect(x + labelWidth, y, width - labelWidth, Regular.GetHeight()));
                y += LineHeight(Regular);
            }
            bottom = Math.Max(bottom, y);
        }
        Y = bottom + 6;
    }

    /// <summary>Draws each page's footer once the page count is known: <paramref name="footer"/> gets the page number and count.</summary>
    public void Finish(Func<int, int, IReadOnlyList<string>> footer)
    {
        _graphics.Dispose();
        var count = _document.PageCount;
        for (var i = 0; i < count; i++)
        {
            var page = _document.Pages[i];
            using var graphics = XGraphics.FromPdfPage(page, XGraphicsPdfPageOptions.Append);
            var y = page.Height.Point - Margin - _footerHeight + 10;
            graphics.DrawLine(new XPen(XColors.Gray, 0.5), Margin, y, page.Width.Point - Margin, y);
            y += 3;
            foreach (var line in footer(i + 1, count))
            {
                graphics.DrawString(Fit(graphics, line, Small, page.Width.Point - 2 * Margin), Small, XBrushes.DimGray, new XRect(Margin, y, page.Width.Point - 2 * Margin, Small.GetHeight()), XStringFormats.TopLeft);
                y += FooterLineHeight;
            }
        }
        _graphics = null!;
    }

    public void Dispose() => _graphics?.Dispose();

    private void NewPage()
    {
        _graphics?.Dispose();
        _page = _document.AddPage();
        _page.Size = PdfSharp.PageSize.A4;
        _graphics = XGraphics.FromPdfPage(_page);
        Y = TopMargin;
        if (_document.PageCount > 1)
        {
            _graphics.DrawString(_continuationHeader, Small, XBrushes.DimGray, new XRect(Margin, Y, Right - Margin, Small.GetHeight()), XStringFormats.TopLeft);
            Y += LineHeight(Small);
            _graphics.DrawLine(new XPen(XColors.Gray, 0.5), Margin, Y, Right, Y);
            Y += 8;
        }
    }

    /// <summary>
    /// A value in its box: text from the left; a blank against the right edge, so that blanks above one
    /// another end in one column however many whole underscores fit their width.
    /// </summary>
    private void DrawValue(string text, XRect box) =>
        _graphics.DrawString(text, Regular, XBrushes.Black, box, text.Length > 0 && text.All(c => c == '_') ? XStringFormats.TopRight : XStringFormats.TopLeft);

    /// <summary>A run of underscores as wide as <paramref name="width"/>: prints as a line, extracts as a blank.</summary>
    private string Blank(double width)
    {
        var underscore = _graphics.MeasureString("_", Regular).Width;
        return new string('_', Math.Max(3, (int)((width - 4) / underscore)));
    }

    /// <summary>The text cut with an ellipsis to fit one line.</summary>
    private string Fit(string text, XFont font, double width) => Fit(_graphics, text, font, width);

    private static string Fit(XGraphics graphics, string text, XFont font, double width)
    {
        text = text.ReplaceLineEndings(" ");
        if (graphics.MeasureString(text, font).Width <= width) return text;
        while (text.Length > 1 && graphics.MeasureString(text + "…", font).Width > width) text = text[..^1];
        return text.TrimEnd() + "…";
    }

    private IEnumerable<string> Wrap(string line, XFont font, double width)
    {
        if (line.Length == 0)
        {
            yield return "";
            yield break;
        }
        var current = "";
        foreach (var word in line.Split(' '))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (_graphics.MeasureString(candidate, font).Width <= width)
            {
                current = candidate;
                continue;
            }
            if (current.Length > 0) yield return current;
            current = word;
            // A single word wider than the line (a URL, a long id): cut it by characters.
            while (_graphics.MeasureString(current, font).Width > width && current.Length > 1)
            {
                var cut = current.Length - 1;
                while (cut > 1 && _graphics.MeasureString(current[..cut], font).Width > width) cut--;
                yield return current[..cut];
                current = current[cut..];
            }
        }
        if (current.Length > 0) yield return current;
    }
}
