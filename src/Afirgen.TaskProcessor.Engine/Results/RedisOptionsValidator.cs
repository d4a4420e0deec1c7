using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>
/// Refuses a results' database given twice and differently (<c>TaskProcessor:Redis:Database</c> and the
/// configuration string's <c>defaultDatabase</c>): Celery's backend URL names its database once, and one of the
/// two would otherwise be silently ignored.
/// </summary>
internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options) =>
        options.DatabaseProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
