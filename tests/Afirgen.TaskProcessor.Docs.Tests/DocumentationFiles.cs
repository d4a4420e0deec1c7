using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests;

/// <summary>The pages these tests keep honest: the README, every page under docs/, and infra/README.md.</summary>
public static class DocumentationFiles
{
    public static IReadOnlyList<string> All { get; } =
    [
        Path.Combine(RepositoryRoot.Path, "README.md"),
        Path.Combine(RepositoryRoot.Path, "infra", "README.md"),
        .. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal),
    ];

    /// <summary>A path as a reader of the repository writes it: relative to the root, with forward slashes.</summary>
    public static string Relative(string path) => Path.GetRelativePath(RepositoryRoot.Path, path).Replace('\\', '/');

    /// <summary>
    /// Each line of <paramref name="markdown"/> with whether it lies inside a fenced code block (a fence line
    /// itself counts as inside), so headings and links in code are not taken for the page's own.
    /// </summary>
    public static IEnumerable<(int Number, string Text, bool InCode)> Lines(string markdown)
    {
        var inCode = false;
        var number = 0;
        foreach (var line in markdown.Split('\n'))
        {
            number++;
            var fence = line.TrimStart().StartsWith("```", StringComparison.Ordinal);
            yield return (number, line, inCode || fence);
            if (fence)
            {
                inCode = !inCode;
            }
        }
    }
}
