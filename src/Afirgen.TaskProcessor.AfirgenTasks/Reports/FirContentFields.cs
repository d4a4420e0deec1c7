using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// The labelled values in a FIR's <c>fir_content</c>, whichever way AFIRGen stored it: a JSON object (keys in
/// any spelling, nested objects flattened: <c>complainant.name</c> reads as <c>complainant_name</c>), or the
/// text AFIRGen's backend renders from its FIR template (<c>Police Station: …</c>, <c>- Full Name: …</c>, a
/// label alone on its line with the value indented beneath it). Keys are compared without case, spaces or
/// punctuation, so <c>father_name/husband_name</c>, <c>Father's/Husband's Name</c> and <c>fatherHusbandName</c>
/// are one key. Remembers which values the form used, so the rest can be shown as further particulars.
/// </summary>
internal sealed partial class FirContentFields
{
    private readonly List<Entry> _entries = [];
    private readonly HashSet<Entry> _used = [];

    private FirContentFields(string? prose) => Prose = prose;

    /// <summary>fir_content that is neither a JSON object nor labelled text: free text, shown as it is.</summary>
    public string? Prose { get; }

    private sealed record Entry(string Key, string Label, string Value);

    public static FirContentFields Parse(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return new FirContentFields(null);
        }
        if (content.TrimStart().StartsWith('{'))
        {
            try
            {
                if (JsonNode.Parse(content) is JsonObject json)
                {
                    var fields = new FirContentFields(null);
                    fields.AddObject(json, "", "");
                    return fields;
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: read as text below.
            }
        }
        var text = new FirContentFields(null);
        text.AddLabelledText(content);
        // Fewer than two labels: prose that happens to hold a colon, not AFIRGen's template.
        return text._entries.Count >= 2 ? text : new FirContentFields(content.Trim());
    }

    /// <summary>The first value under any of <paramref name="keys"/> (tried in order; normalized as <see cref="Normalize"/> does), marked as used.</summary>
    public string? Find(params string[] keys)
    {
        foreach (var key in keys)
        {
            var wanted = Normalize(key);
            var entry = _entries.FirstOrDefault(e => e.Key == wanted);
            if (entry is not null)
            {
                _used.Add(entry);
                return entry.Value;
            }
        }
        return null;
    }

    /// <summary>Values no <see cref="Find"/> has taken, in the order fir_content holds them, with their labels as written.</summary>
    public IEnumerable<(string Label, string Value)> Unused() => _entries.Where(e => !_used.Contains(e)).Select(e => (e.Label, e.Value));

    /// <summary>Lower-case letters and digits only.</summary>
    public static string Normalize(string key)
    {
        var s = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            if (char.IsLetterOrDigit(c)) s.Append(char.ToLowerInvariant(c));
        }
        return s.ToString();
    }

    private void Add(string key, string label, string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value) || IsPlaceholder(value) || key.Length == 0) return;
        _entries.Add(new Entry(key, label, value));
    }

    // What Python and form generators write for "nothing": shown as a blank to fill in, not as text.
    private static bool IsPlaceholder(string value) =>
        value.ToLowerInvariant() is "n/a" or "na" or "none" or "null" or "-" or "—" or "nil" or "not available";

    private void AddObject(JsonObject json, string keyPrefix, string labelPrefix)
    {
        foreach (var (name, node) in json)
        {
            var key = keyPrefix + Normalize(name);
            var label = (labelPrefix + " " + Humanize(name)).Trim();
            switch (node)
            {
                case JsonObject child:
                    AddObject(child, key, label);
                    break;
                case JsonArray array:
                    Add(key, label, ArrayText(array));
                    break;
                case JsonValue value:
                    Add(key, label, ValueText(value));
                    break;
            }
        }
    }

    private static string? ValueText(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.Number => value.ToJsonString(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        _ => null,
    };

    /// <summary>A list of words joins with commas; a list of objects gives one line per item, its fields labelled and separated by semicolons.</summary>
    private static string ArrayText(JsonArray array)
    {
        var items = array.Where(n => n is not null).ToList();
        if (items.All(n => n is JsonValue))
        {
            return string.Join(", ", items.Select(n => ValueText((JsonValue)n!)).Where(t => !string.IsNullOrWhiteSpace(t)));
        }
        var lines = new List<string>();
        foreach (var item in items)
        {
            var text = item switch
            {
                JsonObject o => string.Join("; ", o.Where(p => p.Value is not null)
                    .Select(p => (Label: Humanize(p.Key), Text: p.Value switch { JsonValue v => ValueText(v), JsonArray a => ArrayText(a), _ => null }))
                    .Where(p => !string.IsNullOrWhiteSpace(p.Text))
                    .Select(p => $"{p.Label}: {p.Text}")),
                JsonArray a => ArrayText(a),
                JsonValue v => ValueText(v),
                _ => null,
            };
            if (!string.IsNullOrWhiteSpace(text)) lines.Add(text);
        }
        return lines.Count == 1 ? lines[0] : string.Join("\n", lines.Select((l, i) => $"{i + 1}. {l}"));
    }

    /// <summary><c>father_name/husband_name</c> → <c>Father name/husband name</c>; <c>dateOfBirth</c> → <c>Date of birth</c>.</summary>
    private static string Humanize(string key)
    {
        var s = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '_') { s.Append(' '); continue; }
            if (i > 0 && char.IsUpper(c) && char.IsLower(key[i - 1])) s.Append(' ');
            s.Append(s.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }
        return s.ToString().Trim();
    }

    /// <summary>
    /// AFIRGen's FIR template: <c>Label: value</c> lines, several on one line when spaced apart
    /// (<c>FIR No.: X      Year: 2026</c>), bullets and item numbers before the label, and a label alone on its
    /// line whose value is the more deeply indented lines beneath it.
    /// </summary>
    private void AddLabelledText(string content)
    {
        var lines = content.ReplaceLineEndings("\n").Split('\n');
        string? pendingKey = null, pendingLabel = null;
        var pendingIndent = 0;
        var pendingValue = new List<string>();

        void Flush()
        {
            if (pendingKey is not null) Add(pendingKey, pendingLabel!, string.Join("\n", pendingValue));
            pendingKey = null;
            pendingValue.Clear();
        }

        foreach (var raw in lines)
        {
            var indent = raw.Length - raw.TrimStart().Length;
            var line = raw.Trim();
            // Indented beneath a label alone on its line: its value. But a bulleted "- Label: value" right
            // under it means that label was a section heading ("1. COMPLAINANT DETAILS:") with no value of its own.
            var bulletedLabel = pendingValue.Count == 0 && line.Length > 0 && line[0] is '-' or '*' or '•' && StripBullet(line).IndexOf(':') is > 0 and <= 48;
            if (pendingKey is not null && line.Length > 0 && indent > pendingIndent && !bulletedLabel)
            {
                pendingValue.Add(StripBullet(line));
                continue;
            }
            Flush();
            if (line.Length == 0) continue;
            foreach (var part in SpacedApart(StripBullet(line)))
            {
                var colon = part.IndexOf(':');
                if (colon <= 0 || colon > 48 || !char.IsLetter(part[0])) continue;
                var label = part[..colon].Trim();
                var value = part[(colon + 1)..].Trim();
                var key = Normalize(label);
                if (value.Length > 0)
                {
                    Add(key, label, value);
                }
                else
                {
                    (pendingKey, pendingLabel, pendingIndent) = (key, label, indent);
                }
            }
        }
        Flush();
    }

    private static string StripBullet(string line)
    {
        line = line.TrimStart('-', '*', '•', ' ');
        // "1. COMPLAINANT DETAILS:", "(a) Name:"
        var dot = line.IndexOf(". ", StringComparison.Ordinal);
        if (dot is > 0 and <= 3 && line[..dot].All(char.IsAsciiDigit)) line = line[(dot + 2)..];
        if (line.StartsWith('(') && line.IndexOf(')') is > 1 and <= 4 and var close) line = line[(close + 1)..].TrimStart();
        return line;
    }

    // Pairs on one line are separated by three or more spaces (a value's own words by one).
    private static IEnumerable<string> SpacedApart(string line) => PairSeparator().Split(line).Where(p => p.Length > 0);

    [GeneratedRegex(" {3,}|\t+")]
    private static partial Regex PairSeparator();
}
