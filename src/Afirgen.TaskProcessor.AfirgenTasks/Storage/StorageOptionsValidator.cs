using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary>Checks Blob Storage is configured (unless the demo folder stands in for it) and its container names are valid.</summary>
/// <param name="demoStandsIn">Whether files go to the demo folder because no Blob service is configured.</param>
internal sealed class StorageOptionsValidator(bool demoStandsIn) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (!demoStandsIn && string.IsNullOrWhiteSpace(options.ConnectionString) && options.ServiceUri is null)
        {
            result.AddError("Neither Afirgen:Storage:ServiceUri nor Afirgen:Storage:ConnectionString is set: set the Blob service URI (https://<account>.blob.core.windows.net, reached with the managed identity) or a connection string, or on a development machine set Afirgen:Demo:Enabled=true to write files.");
        }
        if (!IsContainerName(options.ReportsContainer) || !IsContainerName(options.ArchiveContainer))
        {
            result.AddError("Afirgen:Storage:ReportsContainer and ArchiveContainer must be valid container names: 3-63 lowercase letters, digits and single hyphens.");
        }
        return result.Build();
    }

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) && !name.Contains("--");
}
