using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// How a handler's run ended, as <see cref="TaskExecutor"/> reports it and <see cref="OutcomeDecider"/> reads it.
/// A value, so a run that ends without awaiting returns it without allocating.
/// </summary>
internal readonly struct RunOutcome
{
    private RunOutcome(Endings ending, JsonNode? result, JsonArray? children, Exception? exception, bool softTimeLimit, TimeSpan hardLimit)
    {
        Ending = ending;
        Result = result;
        Children = children;
        Exception = exception;
        SoftTimeLimit = softTimeLimit;
        HardLimit = hardLimit;
    }

    /// <summary>The ways a run can end.</summary>
    public enum Endings
    {
        /// <summary>The handler returned <see cref="Result"/>, having enqueued <see cref="Children"/>.</summary>
        Succeeded,

        /// <summary>The handler threw <see cref="Exception"/>; <see cref="SoftTimeLimit"/> when it was cancelled at its soft limit.</summary>
        Failed,

        /// <summary>The handler ran past <see cref="HardLimit"/> and was left running.</summary>
        HardTimeLimitExceeded,
    }

    public Endings Ending { get; }
    public JsonNode? Result { get; }
    public JsonArray? Children { get; }
    public Exception? Exception { get; }
    public bool SoftTimeLimit { get; }
    public TimeSpan HardLimit { get; }

    public static RunOutcome Succeeded(JsonNode? result, JsonArray? children) => new(Endings.Succeeded, result, children, null, false, default);

    public static RunOutcome Failed(Exception exception, bool softTimeLimit) => new(Endings.Failed, null, null, exception, softTimeLimit, default);

    public static RunOutcome HardTimeLimitExceeded(TimeSpan limit) => new(Endings.HardTimeLimitExceeded, null, null, null, false, limit);
}
