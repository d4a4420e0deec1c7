using Afirgen.TaskProcessor.Engine.Results;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis;

/// <summary>How a Redis failure is named in the sentences a user reads (the client's own message stays in the log).</summary>
internal static class RedisFailures
{
    /// <summary>The kind of failure in a few words: a timeout, a refused or lost connection, or the exception's type.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        RedisConnectionException c => $"connection failed: {c.FailureType}",
        _ => ResultStoreUnavailableException.Describe(ex),
    };
}
