using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Exceptions as Celery stores them (<c>{exc_type, exc_message, exc_module}</c>), named as the nearest
/// Python exception so Celery clients rebuild a familiar type (a TimeoutException reads as TimeoutError).
/// </summary>
public static class CeleryExceptionInfo
{
    public static JsonObject From(Exception exception)
    {
        var (type, module) = PythonTypeOf(exception);
        return Create(type, module, exception.Message);
    }

    /// <summary>
    /// <c>Type: message</c> with the Python type the stored result names (<c>ValueError: …</c>, not the .NET
    /// <c>PermanentTaskException</c>), as Python's traceback ends: what dead letters, the task index and the status
    /// mirror show, so every view names the exception the result does.
    /// </summary>
    public static string Describe(JsonObject info, Exception exception) =>
        $"{info["exc_type"]?.GetValue<string>() ?? exception.GetType().Name}: {exception.Message}";

    public static JsonObject Create(string excType, string excModule, string message) => new()
    {
        ["exc_type"] = excType,
        ["exc_message"] = new JsonArray(message),
        ["exc_module"] = excModule,
    };

    private static (string Type, string Module) PythonTypeOf(Exception exception) => exception switch
    {
        PermanentTaskException p => (p.PythonType, "builtins"),
        TimeoutException => ("TimeoutError", "builtins"),
        OperationCanceledException => ("TimeoutError", "builtins"),
        HttpRequestException or SocketException => ("ConnectionError", "builtins"),
        ArgumentException or FormatException => ("ValueError", "builtins"),
        KeyNotFoundException => ("KeyError", "builtins"),
        NotSupportedException or NotImplementedException => ("NotImplementedError", "builtins"),
        UnauthorizedAccessException => ("PermissionError", "builtins"),
        IOException => ("OSError", "builtins"),
        _ => ("RuntimeError", "builtins"),
    };
}
