using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// Refuses to start a local host that would serve the network without a key: its API runs any task it is sent
/// (an e-mail to any address, a report, a cleanup), so beyond loopback it must ask for <c>ApiKey</c>.
/// </summary>
internal sealed class LocalHostOptionsValidator : IValidateOptions<LocalHostOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalHostOptions options)
    {
        var errors = new List<string>();
        var exposed = ListenAddresses.NonLoopback(options.Urls);
        if (exposed.Count > 0 && string.IsNullOrEmpty(options.ApiKey))
        {
            errors.Add($"{LocalHostOptions.Section}:Urls {options.Urls} listens beyond this machine ({string.Join(", ", exposed)}), where anyone who reaches it could run tasks, so set {LocalHostOptions.Section}:ApiKey (env TaskProcessor__LocalHost__ApiKey) to a secret of at least {LocalHostOptions.MinApiKeyLength} characters that clients send as x-functions-key or ?code=, or listen on http://127.0.0.1:<port>.");
        }
        if (!string.IsNullOrEmpty(options.ApiKey) && options.ApiKey.Length < LocalHostOptions.MinApiKeyLength)
        {
            errors.Add($"{LocalHostOptions.Section}:ApiKey is {options.ApiKey.Length} characters long; use a random secret of at least {LocalHostOptions.MinApiKeyLength} (for example: openssl rand -hex 24).");
        }
        foreach (var origin in LocalHostOptions.Entries(options.AllowedOrigins))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/'))
            {
                errors.Add($"{LocalHostOptions.Section}:AllowedOrigins has '{origin}', which is not an origin: write scheme, host and port only, such as https://app.example or http://localhost:3000.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
