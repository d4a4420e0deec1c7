using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cache;

/// <summary>Checks the cache settings: a database number, a snapshot that lives a minute at least, plain namespace names.</summary>
internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.Database < 0)
        {
            result.AddError("Afirgen:Cache:Database must be 0 or more.");
        }
        if (options.SnapshotTtl < TimeSpan.FromMinutes(1))
        {
            result.AddError("Afirgen:Cache:SnapshotTtl must be at least a minute.");
        }
        foreach (var cacheNamespace in options.Namespaces)
        {
            if (cacheNamespace.Length == 0 || cacheNamespace.Contains('*'))
            {
                result.AddError("Afirgen:Cache:Namespaces must be plain names such as fir or kb (no '*').");
                break;
            }
        }
        return result.Build();
    }
}
