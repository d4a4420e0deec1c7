namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>A connected Redis server did not accept <c>AUTH</c> with a new token.</summary>
internal sealed class RedisReauthenticationException(string endpoint, Exception innerException)
    : Exception($"The Redis server {endpoint} did not accept AUTH with the new Entra ID token: {innerException.Message}", innerException)
{
    /// <summary>The server that refused or did not answer.</summary>
    public string Endpoint { get; } = endpoint;
}
