using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>Checks the mirror's table name is safe to put in SQL and its queue and retry sizes are at least 1.</summary>
internal sealed class StatusMirrorOptionsValidator : IValidateOptions<StatusMirrorOptions>
{
    public ValidateOptionsResult Validate(string? name, StatusMirrorOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (!Regex.IsMatch(options.Table, "^[A-Za-z0-9_]+$"))
        {
            result.AddError("The status mirror table name may hold only letters, digits and underscores (TaskProcessor:StatusMirror:Table).");
        }
        if (options.Capacity < 1 || options.BatchSize < 1 || options.MaxAttempts < 1)
        {
            result.AddError("TaskProcessor:StatusMirror:Capacity, BatchSize and MaxAttempts must be at least 1.");
        }
        return result.Build();
    }
}
