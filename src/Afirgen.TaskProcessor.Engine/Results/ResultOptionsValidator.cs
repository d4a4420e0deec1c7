using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>Checks how results are kept: at least a second, and a retry window of zero or more.</summary>
internal sealed class ResultOptionsValidator : IValidateOptions<ResultOptions>
{
    public ValidateOptionsResult Validate(string? name, ResultOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.Expires < TimeSpan.FromSeconds(1))
        {
            result.AddError("Results must be kept at least one second (TaskProcessor:Results:Expires).");
        }
        if (options.OutcomeRetryWindow < TimeSpan.Zero)
        {
            result.AddError("The outcome retry window must be zero or more (TaskProcessor:Results:OutcomeRetryWindow).");
        }
        return result.Build();
    }
}
