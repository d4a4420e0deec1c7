using Afirgen.TaskProcessor.Redis;
using System.Net;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// Checks the identity settings together with the engine's Redis configuration string at start-up, so
/// that a wrong setting stops the app with a sentence naming it instead of failing on every result write.
/// </summary>
/// <param name="redis">The engine's Redis settings (the configuration string).</param>
/// <param name="credentialGiven">The host passed a credential of its own instead of naming one in settings.</param>
internal sealed class RedisIdentityOptionsValidator(IOptions<RedisOptions> redis, bool credentialGiven) : IValidateOptions<RedisIdentityOptions>
{
    private const string Credential = RedisIdentityOptions.Section + ":Credential";
    private const string ClientId = RedisIdentityOptions.Section + ":ClientId";
    private const string Configuration = RedisIdentityOptions.Section + ":Configuration";

    public ValidateOptionsResult Validate(string? name, RedisIdentityOptions options)
    {
        var failures = new List<string>();
        if (!options.IsEnabled && !credentialGiven)
        {
            if (!string.IsNullOrWhiteSpace(options.ClientId))
            {
                failures.Add($"{ClientId} is set but {Credential} is empty, so no identity would be used: set {Credential} to {RedisIdentityOptions.ManagedIdentity}, or remove {ClientId}.");
            }
            return Result(failures);
        }

        if (options.IsEnabled && !RedisIdentityOptions.AcceptedCredentials.Contains(options.Credential!.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{Credential} is '{options.Credential}', which is not a credential this app knows: use {RedisIdentityOptions.ManagedIdentity} (the app's managed identity, in Azure) or {RedisIdentityOptions.DefaultAzureCredential} (for example your az or azd login, locally), or leave it empty for a Redis without Entra ID.");
        }
        if (!string.IsNullOrWhiteSpace(options.ClientId) && !Guid.TryParse(options.ClientId, out _))
        {
            failures.Add($"{ClientId} is '{options.ClientId}', which is not a client id: set it to the user-assigned managed identity's client id (a GUID, as `az identity show --query clientId` prints it), or leave it empty for the system-assigned identity.");
        }

        var configuration = redis.Value.Configuration;
        if (string.IsNullOrWhiteSpace(configuration))
        {
            failures.Add($"Redis authentication with Entra ID is on ({Credential}) but {Configuration} is empty: set it to the Redis server (for Azure Managed Redis '<name>.<region>.redis.azure.net:10000,ssl=True'), or remove {Credential}.");
            return Result(failures);
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            failures.Add($"{Configuration} cannot be read as a StackExchange.Redis configuration string ({e.Message}): fix it, for example '<host>:10000,ssl=True'.");
            return Result(failures);
        }

        if (!string.IsNullOrEmpty(parsed.User) || !string.IsNullOrEmpty(parsed.Password))
        {
            failures.Add($"{Configuration} carries a user or password, but with {Credential} set the user is the identity's object id and the password its Entra ID token: remove user= and password= from it.");
        }
        if (parsed.Protocol == RedisProtocol.Resp2)
        {
            // On RESP2 pub/sub has a connection of its own, and a subscribed RESP2 connection refuses AUTH.
            failures.Add($"{Configuration} asks for protocol=resp2; with Entra ID tokens use RESP3 (remove protocol=), since a RESP2 subscription connection cannot be re-authenticated and the server drops it when its token expires.");
        }
        if (!parsed.Ssl && parsed.EndPoints.FirstOrDefault(e => !IsLoopback(e)) is { } remote)
        {
            failures.Add($"{Configuration} connects to {Format(remote)} without TLS, which would send the Entra ID token in clear text: add ssl=True (Azure Managed Redis listens with TLS on port 10000).");
        }
        return Result(failures);
    }

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

    private static bool IsLoopback(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address),
        DnsEndPoint dns => string.Equals(dns.Host, "localhost", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "the server",
    };
}
