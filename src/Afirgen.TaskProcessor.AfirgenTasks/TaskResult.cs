using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.AfirgenTasks;

/// <summary>AFIRGen's result shape: <c>{"status": "success", "message": …}</c> plus the task's own keys.</summary>
internal static class TaskResult
{
    public static JsonObject Success(string message, JsonObject fields)
    {
        var result = new JsonObject { ["status"] = "success", ["message"] = message };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            result[key] = value;
        }
        return result;
    }
}
