using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests.Snippets;

/// <summary>A region of compiled source (or a whole configuration file) that a page shows.</summary>
public sealed record SourceSnippet(string Name, string File, string Language, string Code);

/// <summary>
/// Reads the snippets the docs may show, in mdsnippets' convention: a region of a .cs file between
/// <c>// begin-snippet: name</c> and <c>// end-snippet</c>, or a whole file named by its path from the
/// repository root (<c>host.json</c>, <c>src/Afirgen.TaskProcessor.Cli/appsettings.json</c>).
/// </summary>
public static partial class SourceSnippets
{
    private static readonly string[] SearchedFolders = ["src", "tests"];

    [GeneratedRegex(@"^\s*// begin-snippet: (?<name>[A-Za-z0-9_.\-]+)\s*$")]
    private static partial Regex BeginPattern();

    [GeneratedRegex(@"^\s*// end-snippet\s*$")]
    private static partial Regex EndPattern();

    /// <summary>Every named region under src/ and tests/; a name used twice or a region left open is an error.</summary>
    public static IReadOnlyDictionary<string, SourceSnippet> Regions()
    {
        var found = new Dictionary<string, SourceSnippet>(StringComparer.Ordinal);
        foreach (var file in SearchedFolders.SelectMany(folder =>
                     Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories)))
        {
            if (IsBuildOutput(file))
            {
                continue;
            }
            foreach (var snippet in RegionsOf(file))
            {
                if (!found.TryAdd(snippet.Name, snippet))
                {
                    throw new InvalidOperationException(
                        $"The snippet '{snippet.Name}' is defined twice, in {found[snippet.Name].File} and {snippet.File}: give one of them another name.");
                }
            }
        }
        return found;
    }

    /// <summary>The snippet called <paramref name="name"/>: a region, else a whole file; null when neither exists.</summary>
    public static SourceSnippet? Find(string name, IReadOnlyDictionary<string, SourceSnippet> regions)
    {
        if (regions.TryGetValue(name, out var region))
        {
            return region;
        }
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, name));
        if (!path.StartsWith(RepositoryRoot.Path, StringComparison.Ordinal) || !File.Exists(path))
        {
            return null;
        }
        return new SourceSnippet(name, name, LanguageOf(path), File.ReadAllText(path).ReplaceLineEndings("\n").TrimEnd('\n'));
    }

    private static IEnumerable<SourceSnippet> RegionsOf(string file)
    {
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            var begin = BeginPattern().Match(lines[i]);
            if (!begin.Success)
            {
                continue;
            }
            var end = Array.FindIndex(lines, i + 1, l => EndPattern().IsMatch(l) || BeginPattern().IsMatch(l));
            if (end < 0 || !EndPattern().IsMatch(lines[end]))
            {
                throw new InvalidOperationException(
                    $"The snippet '{begin.Groups["name"].Value}' in {DocumentationFiles.Relative(file)} line {i + 1} has no '// end-snippet' before the next snippet or the end of the file.");
            }
            yield return new SourceSnippet(begin.Groups["name"].Value, DocumentationFiles.Relative(file), LanguageOf(file), Dedent(lines[(i + 1)..end]));
            i = end;
        }
    }

    /// <summary>Removes the indentation all the region's lines share, so a method body reads flush left.</summary>
    private static string Dedent(string[] lines)
    {
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).Select(l => l.TrimEnd())).Trim('\n');
    }

    private static string LanguageOf(string file) => Path.GetExtension(file) switch
    {
        ".cs" => "cs",
        ".json" => "json",
        ".bicep" => "bicep",
        ".sh" => "bash",
        _ => "",
    };

    private static bool IsBuildOutput(string file)
    {
        var parts = DocumentationFiles.Relative(file).Split('/');
        return parts.Contains("bin") || parts.Contains("obj");
    }
}
