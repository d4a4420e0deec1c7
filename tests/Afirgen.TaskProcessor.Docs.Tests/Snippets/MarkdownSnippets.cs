using System.Text;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.Docs.Tests.Snippets;

/// <summary>One <c>&lt;!-- snippet: name --&gt;</c> … <c>&lt;!-- endSnippet --&gt;</c> block of a page.</summary>
public sealed record SnippetUse(string Name, int Line, int Start, int Length, string Current);

/// <summary>Finds the snippet blocks of a page and writes what each should hold.</summary>
public static partial class MarkdownSnippets
{
    [GeneratedRegex(@"<!-- snippet: (?<name>\S+) -->\n(?<body>.*?)<!-- endSnippet -->", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();

    public static IReadOnlyList<SnippetUse> Uses(string markdown) =>
        BlockPattern().Matches(markdown)
            .Select(m => new SnippetUse(m.Groups["name"].Value, markdown[..m.Index].Count(c => c == '\n') + 1, m.Index, m.Length, m.Value))
            .ToList();

    /// <summary>The block as it should read on the page at <paramref name="pagePath"/>: the code, then a link to where it lives.</summary>
    public static string Render(SourceSnippet snippet, string pagePath)
    {
        var source = Path.GetRelativePath(Path.GetDirectoryName(pagePath)!, Path.Combine(Testing.RepositoryRoot.Path, snippet.File)).Replace('\\', '/');
        return new StringBuilder()
            .Append("<!-- snippet: ").Append(snippet.Name).Append(" -->\n")
            .Append("```").Append(snippet.Language).Append('\n')
            .Append(snippet.Code).Append('\n')
            .Append("```\n")
            .Append("<sup>[snippet source](").Append(source).Append(")</sup>\n")
            .Append("<!-- endSnippet -->")
            .ToString();
    }
}
