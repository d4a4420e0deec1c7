using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Revocation;

/// <summary>Checks revocations are kept at least a second.</summary>
internal sealed class RevocationOptionsValidator : IValidateOptions<RevocationOptions>
{
    public ValidateOptionsResult Validate(string? name, RevocationOptions options) =>
        options.Expires < TimeSpan.FromSeconds(1)
            ? ValidateOptionsResult.Fail("Revocations must be kept at least one second (TaskProcessor:Revocation:Expires).")
            : ValidateOptionsResult.Success;
}
