using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// Which Entra ID identity authenticates to Redis. The same section as the engine's
/// <see cref="RedisOptions"/> (<c>TaskProcessor:Redis</c>), so app settings read
/// <c>TaskProcessor__Redis__Credential</c> and <c>TaskProcessor__Redis__ClientId</c>, in the style of the
/// Functions host's own identity-based connections (<c>__credential</c>, <c>__clientId</c>).
/// </summary>
public sealed class RedisIdentityOptions
{
    /// <summary>The configuration section, shared with the engine's Redis settings.</summary>
    public const string Section = RedisOptions.Section;

    /// <summary><see cref="Credential"/> value: the app's managed identity (Azure).</summary>
    public const string ManagedIdentity = "managedidentity";

    /// <summary>
    /// <see cref="Credential"/> value: <c>DefaultAzureCredential</c>, for developers (environment, workload
    /// identity, managed identity, Visual Studio, <c>az</c>/<c>azd</c> login, …).
    /// </summary>
    public const string DefaultAzureCredential = "defaultazurecredential";

    /// <summary>Every accepted <see cref="Credential"/> value (compared without regard to case).</summary>
    public static readonly IReadOnlyList<string> AcceptedCredentials = [ManagedIdentity, DefaultAzureCredential];

    /// <summary>
    /// <c>managedidentity</c>, <c>defaultazurecredential</c>, or empty: no Entra ID authentication (the
    /// connection string's own password, if any; a local Redis).
    /// </summary>
    public string? Credential { get; set; }

    /// <summary>
    /// The client id (a GUID) of the user-assigned managed identity. Empty with <c>managedidentity</c>: the
    /// system-assigned identity, as in the Functions host's convention. With
    /// <c>defaultazurecredential</c>: the managed identity it tries, when it gets that far.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Whether Entra ID authentication is asked for at all.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(Credential);
}
