using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Running;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>The small reply shapes Celery's commands answer with, and Python's number formats they use.</summary>
internal static class ControlReply
{
    public static JsonObject Ok(string value) => new() { ["ok"] = value };

    public static JsonObject Error(string value) => new() { ["error"] = value };

    /// <summary>A JSON number that Python reads as a float (a whole one too: 3600.0, not 3600).</summary>
    public static JsonNode Float(double value) => JsonNode.Parse(value.ToString("0.0###############", CultureInfo.InvariantCulture))!;

    /// <summary>Python's <c>repr</c> of <paramref name="value"/> as a float.</summary>
    public static string FloatRepr(double value) => PythonRepr.Of(Float(value));
}
