using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// A failure's traceback as Python writes one, so that tools which read Celery's <c>traceback</c> field (Flower,
/// Sentry's and other Python traceback parsers, people) read ours: <c>Traceback (most recent call last):</c>, one
/// <c>  File "…", line N, in …</c> line per .NET frame, outermost first, and a last line
/// <c>ExceptionType: message</c> naming the exception as the stored result does. An inner exception comes first, as
/// Python prints a cause, followed by "The above exception was the direct cause of the following exception:".
/// </summary>
public static partial class PythonTraceback
{
    private const int MaxCauses = 8;
    private const string Header = "Traceback (most recent call last):";
    private const string CauseSeparator = "\nThe above exception was the direct cause of the following exception:\n\n";

    /// <summary>
    /// Formats <paramref name="exception"/>, whose last line names it as <paramref name="info"/> does
    /// (<c>{exc_type, exc_module, exc_message}</c>, Celery's stored form); its causes are named by their nearest
    /// Python types. The .NET type is kept in brackets after the message when the Python name differs from it.
    /// </summary>
    public static string Format(Exception exception, JsonObject info)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(info);
        var chain = new List<Exception>();
        for (var e = exception; e is not null && chain.Count < MaxCauses; e = e.InnerException)
        {
            chain.Add(e);
        }
        var text = new StringBuilder();
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var e = chain[i];
            var eInfo = i == 0 ? info : CeleryExceptionInfo.From(e);
            AppendOne(text, e, eInfo);
            if (i > 0)
            {
                text.Append(CauseSeparator);
            }
        }
        return text.ToString();
    }

    /// <summary>A traceback for an error raised by the worker itself rather than a task's code (no .NET frames to show).</summary>
    public static string ForWorkerError(string where, JsonObject info)
    {
        var text = new StringBuilder(Header).Append('\n');
        text.Append("  File \"afirgen-tasks\", line 0, in ").Append(where).Append('\n');
        AppendLastLine(text, info, null);
        return text.ToString();
    }

    private static void AppendOne(StringBuilder text, Exception exception, JsonObject info)
    {
        text.Append(Header).Append('\n');
        // .NET lists the frame that threw first; Python lists the outermost call first and the one that raised last.
        var frames = Frames(exception.StackTrace);
        for (var i = frames.Count - 1; i >= 0; i--)
        {
            var (method, file, line) = frames[i];
            text.Append("  File \"").Append(file ?? ModuleOf(method)).Append("\", line ")
                .Append(line.ToString(CultureInfo.InvariantCulture)).Append(", in ").Append(method).Append('\n');
        }
        AppendLastLine(text, info, exception.GetType().FullName);
    }

    private static void AppendLastLine(StringBuilder text, JsonObject info, string? dotnetType)
    {
        var type = info["exc_type"]?.GetValue<string>() ?? "Exception";
        var module = info["exc_module"]?.GetValue<string>();
        // Python names builtins bare and everything else with its module (celery.exceptions.ChordError).
        var name = string.IsNullOrEmpty(module) || module is "builtins" or "__main__" ? type : module + "." + type;
        var message = info["exc_message"] switch
        {
            JsonArray { Count: 1 } one => one[0]?.ToString() ?? "None",
            JsonArray many => string.Join(", ", many.Select(m => m?.ToString() ?? "None")),
            JsonValue value => value.ToString(),
            _ => "",
        };
        text.Append(name);
        if (message.Length > 0)
        {
            text.Append(": ").Append(message);
        }
        if (dotnetType is not null && !string.Equals(dotnetType.Split('.')[^1], type, StringComparison.Ordinal))
        {
            text.Append(" [").Append(dotnetType).Append(']');
        }
        text.Append('\n');
    }

    /// <summary>The frames of .NET's stack trace text, innermost first: method (with parameters), file and line when known.</summary>
    private static List<(string Method, string? File, int Line)> Frames(string? stackTrace)
    {
        var frames = new List<(string, string?, int)>();
        if (string.IsNullOrEmpty(stackTrace))
        {
            return frames;
        }
        foreach (var raw in stackTrace.Split('\n'))
        {
            var match = FrameLine().Match(raw.TrimEnd('\r'));
            if (!match.Success)
            {
                continue; // "--- End of stack trace from previous location ---" and the like
            }
            var line = match.Groups["line"].Success && int.TryParse(match.Groups["line"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
            frames.Add((match.Groups["method"].Value, match.Groups["file"].Success ? match.Groups["file"].Value : null, line));
        }
        return frames;
    }

    // A frame without a source file is named after its type's namespace, where Python would name the module.
    private static string ModuleOf(string method)
    {
        var parenthesis = method.IndexOf('(', StringComparison.Ordinal);
        var name = parenthesis < 0 ? method : method[..parenthesis];
        var lastDot = name.LastIndexOf('.');
        var type = lastDot < 0 ? name : name[..lastDot];
        return "<" + type + ">";
    }

    // "   at Namespace.Type.Method(Type arg) in /path/File.cs:line 42", the " in …" part only with symbols.
    [GeneratedRegex(@"^\s*at (?<method>.+?)(?: in (?<file>.+):line (?<line>\d+))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();
}
