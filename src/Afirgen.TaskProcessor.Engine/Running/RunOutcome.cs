using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>How a handler's run ended.</summary>
internal abstract record RunOutcome
{
    private RunOutcome() { }

    public sealed record Succeeded(JsonNode? Result, JsonArray? Children) : RunOutcome;

    public sealed record Failed(Exception Exception, bool SoftTimeLimit) : RunOutcome;

    public sealed record HardTimeLimitExceeded(TimeSpan Limit) : RunOutcome;
}
