using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// The keyword arguments of a remote control command, read as Celery's handlers take them: from Python's API they
/// come typed, from <c>celery control</c>'s command line as strings, so numbers and booleans are read from either.
/// </summary>
internal sealed class ControlArguments(string command, JsonObject arguments)
{
    public string Command { get; } = command;

    public bool Has(string name) => arguments[name] is not null;

    /// <summary>A required string (a missing one is Python's TypeError for a missing positional argument).</summary>
    public string RequiredString(string name) => String(name) ?? throw Missing(name);

    public string? String(string name) => arguments[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };

    public bool Bool(string name, bool fallback = false) => arguments[name] switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        // celery.utils.serialization.strtobool
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "y" or "on" => true,
            "false" or "0" or "no" or "n" or "off" or "" => false,
            var other => throw new ControlCommandException("TypeError", $"Cannot coerce {other} to type bool"),
        },
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>() != 0,
        _ => fallback,
    };

    public int? Int(string name) => Double(name) is { } d ? (int)d : null;

    public double? Double(string name) => arguments[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String =>
            double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw new ControlCommandException("ValueError", $"could not convert string to float: '{v.GetValue<string>()}'"),
        _ => null,
    };

    /// <summary>One string or a list of them (Celery's <c>maybe_list</c>).</summary>
    public IReadOnlyList<string> Strings(string name) => arguments[name] switch
    {
        JsonArray list => [.. list.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())],
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private ControlCommandException Missing(string name) =>
        new("TypeError", $"{Command}() missing 1 required positional argument: '{name}'");
}
