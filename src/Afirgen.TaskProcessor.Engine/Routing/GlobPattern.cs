using System.Text;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>Python's <c>fnmatch</c> globs, which Celery's <c>task_routes</c> use, as a compiled regex.</summary>
internal static class GlobPattern
{
    public static Regex Compile(string glob)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '[':
                    var end = glob.IndexOf(']', i + 2);
                    if (end < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    var set = glob[(i + 1)..end];
                    regex.Append('[');
                    if (set.StartsWith('!'))
                    {
                        regex.Append('^');
                        set = set[1..];
                    }
                    regex.Append(set.Replace(@"\", @"\\").Replace("^", @"\^"));
                    regex.Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }
}
