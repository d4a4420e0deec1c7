using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// What AFIRGen's Python wrote into <c>background_tasks</c>: a dict result as JSON, anything else as
/// <c>{"result": str(value)}</c>, and errors as <c>str(exc)</c>.
/// </summary>
internal static class PythonText
{
    // The column is MySQL JSON, not HTML: no need to escape quotes or non-ASCII text (FIR content is Hindi too).
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>result</c> column for a task that returned <paramref name="result"/>.</summary>
    public static string ResultColumn(JsonNode? result) => result is JsonObject
        ? result.ToJsonString(Relaxed)
        : new JsonObject { ["result"] = Str(result) }.ToJsonString(Relaxed);

    /// <summary>Python's <c>str()</c> of a JSON value: strings bare, the rest as Python prints them.</summary>
    public static string Str(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? v.GetValue<string>()
        : Repr(value);

    /// <summary>
    /// The message part of an observer's <c>Type: message</c> error text, which is what Python's
    /// <c>str(exc)</c> gave AFIRGen's workers.
    /// </summary>
    public static string ErrorMessage(string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? error : error[(colon + 2)..];
    }

    private static string Repr(JsonNode? value)
    {
        switch (value)
        {
            case null:
                return "None";
            case JsonObject o:
                var dict = new StringBuilder("{");
                var first = true;
                foreach (var (key, item) in o)
                {
                    if (!first) dict.Append(", ");
                    first = false;
                    dict.Append(Quote(key)).Append(": ").Append(Repr(item));
                }
                return dict.Append('}').ToString();
            case JsonArray a:
                return "[" + string.Join(", ", a.Select(Repr)) + "]";
            default:
                var v = (JsonValue)value;
                return v.GetValueKind() switch
                {
                    JsonValueKind.String => Quote(v.GetValue<string>()),
                    JsonValueKind.True => "True",
                    JsonValueKind.False => "False",
                    JsonValueKind.Number when v.TryGetValue(out long l) => l.ToString(CultureInfo.InvariantCulture),
                    JsonValueKind.Number => v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
                    _ => v.ToJsonString(),
                };
        }
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
