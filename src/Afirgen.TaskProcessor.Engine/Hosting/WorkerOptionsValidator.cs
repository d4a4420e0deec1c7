using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>Checks an instance's capacity settings are within range.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        CheckRange(result, nameof(WorkerOptions.Concurrency), options.Concurrency, 1, 10_000);
        CheckRange(result, nameof(WorkerOptions.PrefetchMultiplier), options.PrefetchMultiplier, 1, 1_000);
        CheckRange(result, nameof(WorkerOptions.LaneSlots), options.LaneSlots, 0, 1_000);
        CheckRange(result, nameof(WorkerOptions.HigherLaneStreak), options.HigherLaneStreak, 1, 1_000);
        foreach (var cap in options.QueueConcurrency.Values)
        {
            if (cap < 1)
            {
                result.AddError("Per-queue concurrency caps must be at least 1 (TaskProcessor:Worker:QueueConcurrency).");
                break;
            }
        }
        return result.Build();
    }

    private static void CheckRange(ValidateOptionsResultBuilder result, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            result.AddError($"{WorkerOptions.Section}:{key} is {value}; set it between {min} and {max}.");
        }
    }
}
