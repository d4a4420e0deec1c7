using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests.Architecture;

/// <summary>
/// docs/architecture.md follows one task through the code by the names of its types and methods; when code
/// moves or is renamed, the page must follow, so every <c>`Type`</c> or <c>`Type.Method`</c> its section
/// "The path of one task" names must be declared under src/.
/// </summary>
public sealed partial class ClassNameTests
{
    // Types the page names that belong to the Azure SDK, not to this repository.
    private static readonly HashSet<string> ExternalTypes = ["ServiceBusMessageActions"];

    [GeneratedRegex(@"`(?<type>I?[A-Z][a-z]+[A-Za-z]*)(?:\.(?<member>[A-Z][A-Za-z]+))?`")]
    private static partial Regex NamePattern();

    [Fact]
    public void Every_type_and_method_the_architecture_page_names_exists()
    {
        var page = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "architecture.md")).ReplaceLineEndings("\n");
        var start = page.IndexOf("\n## The path of one task\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no section '## The path of one task'.");
        var end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? page[start..] : page[start..end];
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !DocumentationFiles.Relative(f).Split('/').Intersect(["bin", "obj"]).Any())
            .Select(File.ReadAllText)
            .ToList();

        var missing = new List<string>();
        foreach (Match name in NamePattern().Matches(section))
        {
            var type = name.Groups["type"].Value;
            if (ExternalTypes.Contains(type))
            {
                continue;
            }
            var declaration = new Regex($@"\b(class|interface|record|struct|enum)\s+{type}\b");
            var declaring = sources.Where(s => declaration.IsMatch(s)).ToList();
            if (declaring.Count == 0)
            {
                missing.Add($"`{name.Value.Trim('`')}`: no type {type} is declared under src/");
            }
            else if (name.Groups["member"].Success && !declaring.Any(s => s.Contains($" {name.Groups["member"].Value}(", StringComparison.Ordinal)))
            {
                missing.Add($"`{name.Value.Trim('`')}`: {type} declares no method {name.Groups["member"].Value}");
            }
        }
        Assert.True(missing.Count == 0, "docs/architecture.md names code that does not exist (update the page):\n" + string.Join('\n', missing.Distinct()));
    }
}
