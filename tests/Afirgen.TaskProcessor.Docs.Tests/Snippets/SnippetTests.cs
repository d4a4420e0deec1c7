namespace Afirgen.TaskProcessor.Docs.Tests.Snippets;

/// <summary>
/// Every code sample on a page is a copy of a compiled region or a real configuration file, so a sample
/// that no longer matches the code fails here. With <c>UPDATE_DOC_SNIPPETS=1</c> (scripts/update-doc-snippets.sh)
/// the pages are rewritten from their sources instead.
/// </summary>
public sealed class SnippetTests
{
    private const string UpdateVariable = "UPDATE_DOC_SNIPPETS";

    [Fact]
    public void Every_snippet_on_a_page_is_its_source_region()
    {
        var regions = SourceSnippets.Regions();
        var update = Environment.GetEnvironmentVariable(UpdateVariable) == "1";
        var problems = new List<string>();

        foreach (var page in DocumentationFiles.All)
        {
            var markdown = File.ReadAllText(page).ReplaceLineEndings("\n");
            var uses = MarkdownSnippets.Uses(markdown);
            var opened = markdown.Split("<!-- snippet: ").Length - 1;
            if (opened != uses.Count)
            {
                problems.Add($"{DocumentationFiles.Relative(page)}: {opened - uses.Count} '<!-- snippet: name -->' without its '<!-- endSnippet -->'.");
            }

            var rewritten = markdown;
            foreach (var use in uses.Reverse())
            {
                var snippet = SourceSnippets.Find(use.Name, regions);
                if (snippet is null)
                {
                    problems.Add($"{DocumentationFiles.Relative(page)} line {use.Line}: no snippet '{use.Name}': mark a region of a .cs file with '// begin-snippet: {use.Name}' and '// end-snippet', or name a file by its path from the repository root.");
                    continue;
                }
                var expected = MarkdownSnippets.Render(snippet, page);
                if (expected == use.Current)
                {
                    continue;
                }
                if (update)
                {
                    rewritten = rewritten[..use.Start] + expected + rewritten[(use.Start + use.Length)..];
                }
                else
                {
                    problems.Add($"{DocumentationFiles.Relative(page)} line {use.Line}: the snippet '{use.Name}' differs from {snippet.File}: run scripts/update-doc-snippets.sh.");
                }
            }
            if (update && rewritten != markdown)
            {
                File.WriteAllText(page, rewritten);
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_snippet_region_is_shown_on_some_page()
    {
        var shown = DocumentationFiles.All.SelectMany(page => MarkdownSnippets.Uses(File.ReadAllText(page).ReplaceLineEndings("\n")))
            .Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        var unused = SourceSnippets.Regions().Values.Where(s => !shown.Contains(s.Name)).Select(s => $"{s.Name} ({s.File})").ToList();
        Assert.True(unused.Count == 0, "Regions no page shows (show them or remove their markers): " + string.Join(", ", unused));
    }
}
