namespace Afirgen.TaskProcessor.AfirgenTasks;

/// <summary>
/// App Service leaves an app setting's "@Microsoft.KeyVault(...)" text in place when it cannot resolve the
/// reference (no role on the vault yet, secret missing or misspelt). Passed on, that text would surface
/// much later as a bewildering MySQL or SMTP error; caught at start-up, it stops the start with what to fix.
/// </summary>
internal static class KeyVaultReference
{
    /// <summary>Whether <paramref name="value"/> is a Key Vault reference the platform left unresolved.</summary>
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    /// <summary>The sentence that says setting <paramref name="key"/> holds an unresolved reference, and what to check.</summary>
    public static string Unresolved(string key) =>
        $"{key} is a Key Vault reference the platform could not resolve: check the app's Key Vault references in the portal (Environment variables), "
        + "give the app's identity Key Vault Secrets User on the vault, make sure the secret exists, then restart the app.";
}
