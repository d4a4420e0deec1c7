using System.Text;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.Docs.Tests.Links;

/// <summary>
/// The anchors GitHub gives a page's headings: the heading's text as rendered (no markup), lower-cased,
/// every character but letters, digits, spaces, '-' and '_' dropped, spaces turned into '-'; a repeated
/// anchor gets '-1', '-2', … in order.
/// </summary>
public static partial class GitHubAnchors
{
    [GeneratedRegex(@"^ {0,3}(?<level>#{1,6})\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"<a\s+(?:id|name)=['""](?<id>[^'""]+)['""]")]
    private static partial Regex HtmlAnchorPattern();

    public static IReadOnlySet<string> Of(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line, inCode) in DocumentationFiles.Lines(markdown))
        {
            if (inCode)
            {
                continue;
            }
            foreach (Match html in HtmlAnchorPattern().Matches(line))
            {
                anchors.Add(html.Groups["id"].Value);
            }
            var heading = HeadingPattern().Match(line);
            if (!heading.Success)
            {
                continue;
            }
            var slug = Slug(heading.Groups["text"].Value);
            var seen = counts.GetValueOrDefault(slug);
            counts[slug] = seen + 1;
            anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
        }
        return anchors;
    }

    public static string Slug(string headingText)
    {
        var text = LinkPattern().Replace(headingText, "${text}").Replace("`", "").Replace("*", "");
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }
}
