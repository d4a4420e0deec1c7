using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>
/// A task's result as Flower's API answers it (<c>task-id</c>, <c>state</c>, and once ready <c>result</c> and
/// <c>traceback</c>), read now or waited for: both <see cref="FlowerApi"/>'s <c>task/result</c> and
/// <see cref="FlowerTaskCommands"/>' <c>apply</c> answer with it.
/// </summary>
public sealed class FlowerResults(IResultStore results, TimeProvider time)
{
    /// <summary>The longest a request waits for a result.</summary>
    internal static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(5);

    internal Task<TaskResultMeta?> GetAsync(string id, CancellationToken cancellationToken) => results.GetAsync(id, cancellationToken);

    /// <summary>The result of <paramref name="id"/> once it is ready, or as it is after <paramref name="limit"/>.</summary>
    internal async Task<TaskResultMeta?> WaitAsync(string id, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + limit;
        while (true)
        {
            var meta = await results.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (meta is not null && TaskStates.IsTerminal(meta.Status) || time.GetUtcNow() >= deadline)
            {
                return meta;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static JsonObject Json(string id, TaskResultMeta? meta, bool alwaysResult = false)
    {
        var state = meta?.Status ?? TaskStates.Pending;
        var answer = new JsonObject { ["task-id"] = id, ["state"] = state };
        if (meta is not null && TaskStates.IsTerminal(state))
        {
            answer["result"] = state == TaskStates.Success ? meta.Result?.DeepClone() : FlowerTaskFormat.ExceptionRepr(meta.Result);
            if (state == TaskStates.Failure)
            {
                answer["traceback"] = meta.Traceback;
            }
        }
        else if (alwaysResult)
        {
            answer["result"] = null;
        }
        return answer;
    }

    /// <summary>A JSON answer as Flower sends it.</summary>
    internal static IResult Response(JsonNode node) => Results.Text(node.ToJsonString(ApiJson.Options), "application/json; charset=UTF-8");
}
