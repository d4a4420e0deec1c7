using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis;

/// <summary>The Redis server that holds results.</summary>
public sealed class RedisOptions
{
    public const string Section = "TaskProcessor:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c> or
    /// <c>myredis.redis.azure.net:10000,ssl=True</c>; its <c>defaultDatabase=N</c> chooses the results' database
    /// when <see cref="Database"/> is not set. Empty: results are kept in memory (development only).
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// The Redis database number results go to (Celery's result backend URL <c>redis://…/2</c> means 2). Not set:
    /// the configuration string's <c>defaultDatabase</c>, else 0.
    /// </summary>
    public int? Database { get; set; }

    /// <summary>A prefix before every key this processor writes, for sharing one Redis between installs.</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Write the results of concurrent tasks in one script call per batch. A clustered Redis that refuses
    /// scripts across hash slots is detected on the first batch and written one key per call from then
    /// on; set false to start that way.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>The database results go to: <see cref="Database"/>, else the configuration's <c>defaultDatabase</c>, else 0.</summary>
    public int ResolvedDatabase => Database ?? ConfiguredDefaultDatabase() ?? 0;

    /// <summary>
    /// Checks that the database is given once: <see langword="null"/> when it is, else a sentence saying what to change
    /// (a <c>defaultDatabase</c> in the configuration string and a different <see cref="Database"/> would leave one of
    /// them silently ignored).
    /// </summary>
    public string? DatabaseProblem()
    {
        if (Database is < 0)
        {
            return $"{Section}:Database is {Database}; a Redis database number is 0 or more.";
        }
        int? configured;
        try
        {
            configured = ConfiguredDefaultDatabase();
        }
        catch (ArgumentException ex)
        {
            return $"{Section}:Configuration cannot be read: {ex.Message}";
        }
        if (configured is < 0)
        {
            return $"{Section}:Configuration says defaultDatabase={configured}; a Redis database number is 0 or more.";
        }
        if (Database is { } database && configured is { } fromConfiguration && database != fromConfiguration)
        {
            return $"{Section}:Database is {database} but {Section}:Configuration says defaultDatabase={fromConfiguration}: " +
                "give the results' database in one place (remove one of them, or make them equal).";
        }
        return null;
    }

    private int? ConfiguredDefaultDatabase() =>
        string.IsNullOrWhiteSpace(Configuration) ? null : ConfigurationOptions.Parse(Configuration).DefaultDatabase;
}
