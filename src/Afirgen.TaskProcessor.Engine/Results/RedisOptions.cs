namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>The Redis server that holds results.</summary>
public sealed class RedisOptions
{
    public const string Section = "TaskProcessor:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c> or
    /// <c>myredis.redis.azure.net:10000,ssl=True</c>. Empty: results are kept in memory (development only).
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>The Redis database number results go to (Celery's result backend URL <c>redis://…/2</c> means 2).</summary>
    public int Database { get; set; }

    /// <summary>A prefix before every key this processor writes, for sharing one Redis between installs.</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Write the results of concurrent tasks in one script call per batch. A clustered Redis that refuses
    /// scripts across hash slots is detected on the first batch and written one key per call from then
    /// on; set false to start that way.
    /// </summary>
    public bool GroupCommit { get; set; } = true;
}
