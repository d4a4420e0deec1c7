using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests.Links;

/// <summary>Every relative link of the README and docs/ reaches a file that exists, and a heading of it when it names one.</summary>
public sealed partial class LinkTests
{
    // [text](target) and ![alt](target), the target up to a space (a title may follow) or the closing parenthesis.
    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLinkPattern();

    [GeneratedRegex(@"<a\s+href=['""](?<target>[^'""]+)['""]")]
    private static partial Regex HtmlLinkPattern();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCodePattern();

    [Fact]
    public void Every_relative_link_reaches_its_file_and_heading()
    {
        var problems = new List<string>();
        foreach (var page in DocumentationFiles.All)
        {
            var markdown = File.ReadAllText(page).ReplaceLineEndings("\n");
            foreach (var (number, line, inCode) in DocumentationFiles.Lines(markdown))
            {
                if (inCode)
                {
                    continue;
                }
                var text = InlineCodePattern().Replace(line, "");
                foreach (var target in MarkdownLinkPattern().Matches(text).Concat(HtmlLinkPattern().Matches(text)).Select(m => m.Groups["target"].Value))
                {
                    var problem = Check(page, target);
                    if (problem is not null)
                    {
                        problems.Add($"{DocumentationFiles.Relative(page)} line {number}: {target}: {problem}");
                    }
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Anchors_follow_GitHubs_rules()
    {
        Assert.Equal("celerys-redis-broker-the-redis-transport", GitHubAnchors.Slug("Celery's Redis broker (the Redis transport)"));
        Assert.Equal("afirgen-tasks-inspect", GitHubAnchors.Slug("`afirgen-tasks inspect`"));
        Assert.Equal("settings-localsettingssamplejson", GitHubAnchors.Slug("Settings (`local.settings.sample.json`)"));
        Assert.Equal("migration-path-celery-on-redis--our-workers--service-bus", GitHubAnchors.Slug("Migration path: Celery on Redis → our workers → Service Bus"));
        Assert.Equal(["a", "a-1", "b"], GitHubAnchors.Of("# A\n```\n# not a heading\n```\n## A\n### B\n").Order());
    }

    private static string? Check(string page, string target)
    {
        if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
        {
            return null;
        }
        var hash = target.IndexOf('#');
        var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        var query = path.IndexOf('?');
        if (query >= 0)
        {
            path = path[..query];
        }

        var file = path.Length == 0
            ? page
            : path.StartsWith('/')
                ? Path.GetFullPath(Path.Combine(RepositoryRoot.Path, path.TrimStart('/')))
                : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
        if (!file.StartsWith(RepositoryRoot.Path, StringComparison.Ordinal))
        {
            return "points outside the repository";
        }
        if (!File.Exists(file) && !Directory.Exists(file))
        {
            return "no such file or folder";
        }
        if (anchor is null || anchor.StartsWith('L') && anchor.Skip(1).All(c => char.IsDigit(c) || c is '-' or 'L'))
        {
            return null; // no heading named, or a line of a source file
        }
        if (!file.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return "names a heading of a file that is not markdown";
        }
        return GitHubAnchors.Of(File.ReadAllText(file).ReplaceLineEndings("\n")).Contains(anchor)
            ? null
            : $"no heading with the anchor '#{anchor}' in {DocumentationFiles.Relative(file)}";
    }
}
