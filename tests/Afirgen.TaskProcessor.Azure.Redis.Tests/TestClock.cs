using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>Clocks and identities the tests share.</summary>
internal static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A short token lifetime: the refresh is due after 45 minutes.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(60);

    public static FakeTimeProvider Create() => new(Start);

    /// <summary>A fresh object id per test: its own ACL user.</summary>
    public static string NewObjectId() => Guid.NewGuid().ToString();
}
