using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Redis;

/// <summary>Checks <see cref="RedisOptions"/> at start-up, each mistake in a sentence that names the key.</summary>
internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var failures = new List<string>();
        // Braces would change the hash slot of Celery's result keys and part them from their revocations on a clustered Redis.
        if (options.KeyPrefix.IndexOfAny(['{', '}']) >= 0)
        {
            failures.Add($"The Redis key prefix must not contain braces ({RedisOptions.Section}:KeyPrefix).");
        }
        // Celery's backend URL names its database once; given twice and differently, one would be silently ignored.
        if (options.DatabaseProblem() is { } problem)
        {
            failures.Add(problem);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
