using System.Reflection;
using PdfSharp.Fonts;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Gives PDFsharp the DejaVu Sans faces embedded in this assembly. PDFsharp finds no fonts by itself on
/// Linux (nor in Azure Functions on Linux), so every family it is asked for resolves to DejaVu Sans.
/// </summary>
internal sealed class EmbeddedFontResolver : IFontResolver
{
    public const string FamilyName = "DejaVu Sans";
    private const string Regular = "DejaVuSans";
    private const string Bold = "DejaVuSans-Bold";

    // PDFsharp keeps its font resolver in a process-wide setting that may be set only once, before the
    // first font is used; this is the one place that sets it.
    private static readonly Lazy<bool> Installed = new(() =>
    {
        GlobalFontSettings.FontResolver = new EmbeddedFontResolver();
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Installs the resolver once per process; call before drawing any text.</summary>
    public static void EnsureInstalled() => _ = Installed.Value;

    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        // No italic face is shipped: PDFsharp simulates italics on the regular face.
        new(isBold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: isItalic);

    public byte[]? GetFont(string faceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Afirgen.Fonts.{faceName}.ttf")
            ?? throw new InvalidOperationException($"The font {faceName}.ttf is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}; the build lost Reports/Fonts.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
