using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>
/// A PDF as a reader sees it, through poppler-utils (Debian's, installed by scripts/install-prerequisites.sh):
/// its pages rendered by <c>pdftoppm</c> (PNGs kept under the test's bin/…/artifacts/reports/ for people to
/// look at, greyscale pixels for the tests), its text by <c>pdftotext -raw</c> and every word's box by
/// <c>pdftotext -bbox</c>. Coordinates are in points from the page's top left, as the renderer's.
/// </summary>
public sealed partial class RenderedPdf
{
    public const int Dpi = 100;

    public static string ArtifactDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "reports");

    private RenderedPdf(IReadOnlyList<string> pageTexts, IReadOnlyList<PdfWord> words, IReadOnlyList<GrayPage> pages, double pageWidth, double pageHeight)
    {
        PageTexts = pageTexts;
        Words = words;
        Pages = pages;
        PageWidth = pageWidth;
        PageHeight = pageHeight;
    }

    public IReadOnlyList<string> PageTexts { get; }
    public string Text => string.Join("\n", PageTexts);

    /// <summary>The text with every run of whitespace (line breaks included) as one space, for phrases that wrap.</summary>
    public string FlatText => Whitespace().Replace(Text, " ");
    public IReadOnlyList<PdfWord> Words { get; }
    public IReadOnlyList<GrayPage> Pages { get; }
    public int PageCount => Pages.Count;
    public double PageWidth { get; }
    public double PageHeight { get; }

    /// <summary>Renders <paramref name="pdf"/>, keeping it and its page images as artifacts named <paramref name="name"/>.</summary>
    public static async Task<RenderedPdf> RenderAsync(byte[] pdf, string name)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        foreach (var old in Directory.GetFiles(ArtifactDirectory, name + "*")) File.Delete(old);
        var file = Path.Combine(ArtifactDirectory, name + ".pdf");
        await File.WriteAllBytesAsync(file, pdf);

        await RunAsync("pdftoppm", "-r", Dpi.ToString(CultureInfo.InvariantCulture), "-png", file, Path.Combine(ArtifactDirectory, name));
        var scratch = Directory.CreateTempSubdirectory("afirgen-pdf-").FullName;
        try
        {
            await RunAsync("pdftoppm", "-r", Dpi.ToString(CultureInfo.InvariantCulture), "-gray", file, Path.Combine(scratch, "page"));
            var pages = Directory.GetFiles(scratch, "page-*.pgm").Order(StringComparer.Ordinal).Select(GrayPage.Read).ToList();

            // -raw: in the order the renderer drew, so a label is followed by its value, and side-by-side
            // blocks (the signatures) do not interleave line by line.
            var text = await RunAsync("pdftotext", "-raw", file, "-");
            var pageTexts = text.Split('\f').Take(pages.Count).ToList();

            var bbox = await RunAsync("pdftotext", "-bbox", file, "-");
            var (width, height, words) = ParseWords(bbox);
            return new RenderedPdf(pageTexts, words, pages, width, height);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Words on <paramref name="page"/> (1-based) equal to <paramref name="text"/>.</summary>
    public IEnumerable<PdfWord> Find(string text, int? page = null) =>
        Words.Where(w => w.Text == text && (page is null || w.Page == page));

    private static (double Width, double Height, List<PdfWord> Words) ParseWords(string html)
    {
        var words = new List<PdfWord>();
        double width = 0, height = 0;
        var page = 0;
        foreach (Match m in BboxElement().Matches(html))
        {
            if (m.Groups["page"].Success)
            {
                page++;
                width = Number(m.Groups["pw"].Value);
                height = Number(m.Groups["ph"].Value);
                continue;
            }
            words.Add(new PdfWord(page, System.Net.WebUtility.HtmlDecode(m.Groups["text"].Value),
                Number(m.Groups["x0"].Value), Number(m.Groups["y0"].Value), Number(m.Groups["x1"].Value), Number(m.Groups["y1"].Value)));
        }
        return (width, height, words);
    }

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("""(?<page><page width="(?<pw>[\d.]+)" height="(?<ph>[\d.]+)">)|<word xMin="(?<x0>[\d.]+)" yMin="(?<y0>[\d.]+)" xMax="(?<x1>[\d.]+)" yMax="(?<y1>[\d.]+)">(?<text>[^<]*)</word>""")]
    private static partial Regex BboxElement();

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed: run scripts/install-prerequisites.sh (Debian's poppler-utils).", e);
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
            return await output;
        }
    }
}
