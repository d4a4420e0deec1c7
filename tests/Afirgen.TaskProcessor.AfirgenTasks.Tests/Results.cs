using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests;

/// <summary>Assertions on stored results.</summary>
internal static class Results
{
    public static JsonObject Success(TaskResultMeta meta)
    {
        Assert.True(meta.Status == TaskStates.Success, $"expected SUCCESS, got {meta.Status}: {meta.Result?.ToJsonString()}\n{meta.Traceback}");
        var result = meta.Result!.AsObject();
        Assert.Equal("success", (string?)result["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)result["message"]));
        return result;
    }

    /// <summary>The FAILURE's exception message.</summary>
    public static string Failure(TaskResultMeta meta)
    {
        Assert.True(meta.Status == TaskStates.Failure, $"expected FAILURE, got {meta.Status}: {meta.Result?.ToJsonString()}");
        return (string)meta.Result!["exc_message"]![0]!;
    }
}
