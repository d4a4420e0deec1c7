using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>Checks AFIRGen's database is configured (unless the demo store stands in for it).</summary>
/// <param name="demoStandsIn">Whether the demo store replaces an unconfigured database, so no connection string is needed.</param>
internal sealed class DatabaseOptionsValidator(bool demoStandsIn) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (!demoStandsIn && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            result.AddError("Afirgen:Database:ConnectionString is not set: set it to AFIRGen's MySQL database (Server=…;Database=…;User ID=…;Password=…), or on a development machine set Afirgen:Demo:Enabled=true for sample FIRs.");
        }
        if (KeyVaultReference.IsUnresolved(options.ConnectionString))
        {
            result.AddError(KeyVaultReference.Unresolved(DatabaseOptions.Section + ":ConnectionString"));
        }
        if (options.MaxRecordsPerArchive < 1)
        {
            result.AddError("Afirgen:Database:MaxRecordsPerArchive must be at least 1.");
        }
        return result.Build();
    }
}
