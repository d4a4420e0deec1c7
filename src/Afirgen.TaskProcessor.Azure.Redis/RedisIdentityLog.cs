using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// Log events of Redis authentication with Entra ID (ids 1700–1799). Object ids and times only: never a token.
/// </summary>
internal static partial class RedisIdentityLog
{
    [LoggerMessage(1700, LogLevel.Information, "Got an Entra ID token for Redis user {ObjectId}, valid until {ExpiresOn:O}; a new one is asked for from {RefreshAt:O}")]
    public static partial void TokenAcquired(ILogger logger, string objectId, DateTimeOffset expiresOn, DateTimeOffset refreshAt);

    [LoggerMessage(1701, LogLevel.Warning, "Could not get an Entra ID token for Redis at start-up with {Credential}. The app starts anyway and keeps trying in the background; until it has a token, Redis refuses the connection and results are unavailable (messages are abandoned and redelivered, not lost)")]
    public static partial void FirstTokenFailed(ILogger logger, Exception exception, string credential);

    [LoggerMessage(1702, LogLevel.Warning, "Could not get a new Entra ID token for Redis (attempt {Attempt}); trying again in {RetryIn}. The current token is valid until {ExpiresOn:O}; if none is got by then, Redis closes the connection and results are unavailable (messages are abandoned and redelivered, not lost) until one is")]
    public static partial void TokenRefreshFailed(ILogger logger, Exception exception, int attempt, TimeSpan retryIn, DateTimeOffset expiresOn);

    [LoggerMessage(1703, LogLevel.Warning, "Still no Entra ID token for Redis (attempt {Attempt}); trying again in {RetryIn}. Until one is got, Redis refuses the connection and results are unavailable (messages are abandoned and redelivered, not lost)")]
    public static partial void TokenStillMissing(ILogger logger, Exception exception, int attempt, TimeSpan retryIn);

    [LoggerMessage(1704, LogLevel.Information, "The credential returned the Entra ID token Redis already uses (it caches tokens until closer to their expiry); asking again in {RetryIn}")]
    public static partial void SameToken(ILogger logger, TimeSpan retryIn);

    [LoggerMessage(1705, LogLevel.Information, "Re-authenticated {Count} Redis connection(s) as {ObjectId} with the new token")]
    public static partial void Reauthenticated(ILogger logger, int count, string objectId);

    [LoggerMessage(1706, LogLevel.Warning, "Could not re-authenticate the Redis connection to {Endpoint} with the new token; trying again in {RetryIn}. Until then that connection uses the old token, valid until {ExpiresOn:O}, after which the server closes it and it reconnects with the new one")]
    public static partial void ReauthenticationFailed(ILogger logger, Exception exception, string endpoint, TimeSpan retryIn, DateTimeOffset expiresOn);

    [LoggerMessage(1707, LogLevel.Debug, "Redis {Endpoint} is not connected; it authenticates with the new token when it reconnects")]
    public static partial void ReauthenticationSkipped(ILogger logger, string endpoint);

    [LoggerMessage(1708, LogLevel.Warning, "Redis {Endpoint} speaks RESP2 only, so its subscription connection cannot be re-authenticated: the server closes it when its token expires and it reconnects with the new one (pub/sub messages in between are missed). Use a server with RESP3 (Redis 6 or later)")]
    public static partial void Resp2Subscriptions(ILogger logger, string endpoint);

    [LoggerMessage(1709, LogLevel.Information, "Got the first Entra ID token for Redis after start-up; reconnecting with it now")]
    public static partial void Reconnecting(ILogger logger);

    [LoggerMessage(1710, LogLevel.Debug, "Next Entra ID token step for Redis in {Delay} ({Reason})")]
    public static partial void Waiting(ILogger logger, TimeSpan delay, string reason);

    [LoggerMessage(1711, LogLevel.Warning, "Could not reconnect to Redis with the first Entra ID token; StackExchange.Redis keeps trying on its own")]
    public static partial void ReconnectFailed(ILogger logger, Exception exception);
}
