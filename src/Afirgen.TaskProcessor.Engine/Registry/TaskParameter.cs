using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>One parameter of a task's Python signature.</summary>
/// <param name="Name">The parameter's name, as callers pass it in kwargs.</param>
/// <param name="Default">The default when the caller leaves it out; ignored for a required parameter.</param>
/// <param name="Required">True when the caller must pass it (a Python parameter with no default).</param>
public sealed record TaskParameter(string Name, JsonNode? Default = null, bool Required = false)
{
    /// <summary>A parameter with no default.</summary>
    public static TaskParameter RequiredParameter(string name) => new(name, null, true);

    /// <summary>A parameter with a default value.</summary>
    public static TaskParameter Optional(string name, JsonNode? defaultValue) => new(name, defaultValue, false);
}
