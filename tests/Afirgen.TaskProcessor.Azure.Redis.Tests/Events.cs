namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>Event ids of <c>RedisIdentityLog</c> the tests wait for or read.</summary>
internal static class Events
{
    public const int TokenAcquired = 1700;
    public const int FirstTokenFailed = 1701;
    public const int TokenRefreshFailed = 1702;
    public const int TokenStillMissing = 1703;
    public const int Reauthenticated = 1705;
    public const int Reconnecting = 1709;
    public const int Waiting = 1710;
}
