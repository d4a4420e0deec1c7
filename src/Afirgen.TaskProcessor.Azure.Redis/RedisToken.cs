namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>An Entra ID token as Redis credentials, and when to renew it.</summary>
/// <param name="User">The identity's object id (the token's <c>oid</c> claim): the Redis user name.</param>
/// <param name="Password">The access token itself. Never log it.</param>
/// <param name="ExpiresOn">When the token expires; the server closes connections still using it then.</param>
/// <param name="RefreshAt">When to ask for the next one: well before <paramref name="ExpiresOn"/>.</param>
internal sealed record RedisToken(string User, string Password, DateTimeOffset ExpiresOn, DateTimeOffset RefreshAt)
{
    /// <summary>Keeps the token out of logs and exception messages.</summary>
    public override string ToString() => $"RedisToken {{ User = {User}, ExpiresOn = {ExpiresOn:O}, RefreshAt = {RefreshAt:O} }}";
}
