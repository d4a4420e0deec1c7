using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Python's <c>repr()</c> of JSON values and of exceptions as Celery stores them, where Celery's wire carries a repr:
/// a task event's <c>result</c> and <c>exception</c>, a <c>ChordError</c>'s message, remote control's error replies.
/// </summary>
public static class PythonRepr
{
    /// <summary><c>repr()</c> of the Python value <paramref name="node"/> decodes to (dict, list, str, int, float, bool, None).</summary>
    public static string Of(JsonNode? node)
    {
        var text = new StringBuilder();
        Append(text, node);
        return text.ToString();
    }

    /// <summary><c>repr()</c> of a Python string.</summary>
    public static string Of(string value)
    {
        var text = new StringBuilder();
        AppendString(text, value);
        return text.ToString();
    }

    /// <summary>
    /// <c>repr()</c> of the exception Celery rebuilds from <paramref name="info"/> (<c>{exc_type, exc_message}</c>):
    /// <c>ValueError('boom')</c>.
    /// </summary>
    public static string OfException(JsonNode? info)
    {
        var type = info?["exc_type"] is JsonValue t && t.TryGetValue(out string? name) ? name : "Exception";
        return info?["exc_message"] switch
        {
            JsonArray args => OfException(type, [.. args]),
            JsonNode single => OfException(type, [single]),
            null => type + "()",
        };
    }

    /// <summary><c>repr()</c> of exception <paramref name="type"/> raised with <paramref name="args"/>.</summary>
    public static string OfException(string type, IReadOnlyList<JsonNode?> args)
    {
        var text = new StringBuilder(type).Append('(');
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0) text.Append(", ");
            Append(text, args[i]);
        }
        return text.Append(')').ToString();
    }

    private static void Append(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("None");
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    Append(text, array[i]);
                }
                text.Append(']');
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    AppendString(text, key);
                    text.Append(": ");
                    Append(text, value);
                }
                text.Append('}');
                break;
            case JsonValue value:
                AppendValue(text, value);
                break;
        }
    }

    private static void AppendValue(StringBuilder text, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                AppendString(text, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                text.Append("True");
                break;
            case JsonValueKind.False:
                text.Append("False");
                break;
            case JsonValueKind.Number:
                AppendNumber(text, value.ToJsonString());
                break;
            default:
                text.Append("None");
                break;
        }
    }

    // JSON's integers are Python ints, its other numbers floats, written as Python's repr writes them: the shortest
    // digits that read back the same, in plain notation for decimal exponents -4 to 15, else as 1.5e+20.
    private static void AppendNumber(StringBuilder text, string json)
    {
        if (json.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            text.Append(json);
            return;
        }
        var d = double.Parse(json, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(d))
        {
            text.Append(d > 0 ? "inf" : "-inf");
            return;
        }
        if (d == 0)
        {
            text.Append(double.IsNegative(d) ? "-0.0" : "0.0");
            return;
        }
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int point; // digits before the decimal point in plain notation (may be 0 or less, or past the digits)
        var e = r.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? r : r[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        point = (dot < 0 ? mantissa.Length : dot) + (e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        point -= leading;
        if (d < 0) text.Append('-');
        var exponent = point - 1;
        if (exponent is >= -4 and < 16)
        {
            if (point <= 0) text.Append("0.").Append('0', -point).Append(digits);
            else if (point >= digits.Length) text.Append(digits).Append('0', point - digits.Length).Append(".0");
            else text.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
            return;
        }
        text.Append(digits[0]);
        if (digits.Length > 1) text.Append('.').Append(digits, 1, digits.Length - 1);
        text.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
    }

    // Python's quoting: single quotes unless the text holds one and no double quote.
    private static void AppendString(StringBuilder text, string value)
    {
        var quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        text.Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        text.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        text.Append(quote);
    }
}
