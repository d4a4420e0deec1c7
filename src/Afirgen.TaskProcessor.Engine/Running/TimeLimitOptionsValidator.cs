using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>Checks the default time limits: both positive, the soft one below the hard one.</summary>
internal sealed class TimeLimitOptionsValidator : IValidateOptions<TimeLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, TimeLimitOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.Soft <= TimeSpan.Zero || options.Hard <= TimeSpan.Zero)
        {
            result.AddError("Time limits must be positive (TaskProcessor:TimeLimits).");
        }
        if (options.Soft >= options.Hard)
        {
            result.AddError("The soft time limit must be below the hard one (TaskProcessor:TimeLimits:Soft < Hard).");
        }
        return result.Build();
    }
}
