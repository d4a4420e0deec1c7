using Afirgen.TaskProcessor.Engine.Broker;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests;

/// <summary>
/// The engine with the AFIRGen tasks on the embedded broker, wired to the real servers of
/// <see cref="AfirgenServers"/> under names of its own (database, containers, Redis prefix and cache
/// database), driven one message at a time. The clock is fake but starts at the real time, because
/// Azurite and MariaDB stamp with the real one. Every log line lands in <see cref="Logs"/>.
/// </summary>
public sealed class TaskHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TaskHarness(ServiceProvider services, FakeTimeProvider time, FakeLogCollector logs, string name, int cacheDatabase)
    {
        _services = services;
        Time = time;
        Logs = logs;
        Name = name;
        CacheDatabase = cacheDatabase;
    }

    public FakeTimeProvider Time { get; }
    public FakeLogCollector Logs { get; }
    public string Name { get; }
    public int CacheDatabase { get; }
    public string ReportsContainer => $"{Name}-reports";
    public string ArchiveContainer => $"{Name}-archive";
    public IServiceProvider Services => _services;

    /// <summary>
    /// A harness for one test: <paramref name="name"/> (lowercase letters, digits, hyphens), with a random
    /// suffix, names its containers and Redis prefix; <paramref name="connectionString"/> is its database.
    /// </summary>
    public static TaskHarness Create(AfirgenServers servers, string name, string connectionString, int cacheDatabase, Dictionary<string, string?>? settings = null)
    {
        // A suffix per harness: Azurite keeps blobs across the tests of a run, so each test gets fresh containers.
        name = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var config = new Dictionary<string, string?>
        {
            ["TaskProcessor:Redis:Configuration"] = servers.Redis.Configuration,
            ["TaskProcessor:Redis:KeyPrefix"] = $"{name}:",
            ["Afirgen:Database:ConnectionString"] = connectionString,
            ["Afirgen:Smtp:Host"] = Testing.SmtpServer.Host,
            ["Afirgen:Smtp:Port"] = servers.Smtp.Port.ToString(),
            ["Afirgen:Smtp:Security"] = "None",
            ["Afirgen:Smtp:Timeout"] = "00:00:05",
            ["Afirgen:Smtp:From"] = "AFIRGen <no-reply@afirgen.example>",
            ["Afirgen:Storage:ConnectionString"] = servers.Azurite.ConnectionString,
            ["Afirgen:Storage:ReportsContainer"] = $"{name}-reports",
            ["Afirgen:Storage:ArchiveContainer"] = $"{name}-archive",
            ["Afirgen:Cache:Database"] = cacheDatabase.ToString(),
        };
        foreach (var (k, v) in settings ?? []) config[k] = v;
        builder.Configuration.AddInMemoryCollection(config);

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new FakeLogCollector();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(new RetryRandom(new Random(1)));
        builder.AddRedisStores();
        builder.AddTaskEngine();
        builder.Services.AddEmbeddedBroker();
        builder.AddAfirgenTasks();
        return new TaskHarness(builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), time, logs, name, cacheDatabase);
    }

    public EmbeddedBroker Broker => _services.GetRequiredService<EmbeddedBroker>();
    public IResultStore Results => _services.GetRequiredService<IResultStore>();

    /// <summary>Enqueues <paramref name="task"/> as AFIRGen does (kwargs only) and returns its id and queue.</summary>
    public Task<PublishedTask> EnqueueAsync(string task, JsonObject? kwargs = null, string? taskId = null, string? messageId = null) =>
        _services.GetRequiredService<TaskPublisher>().PublishAsync(new TaskRequest
        {
            TaskName = task,
            Kwargs = kwargs ?? [],
            TaskId = taskId,
            MessageId = messageId,
        }, CancellationToken.None);

    /// <summary>Receives the next message of <paramref name="queue"/> and runs it to its settlement; returns the stored result.</summary>
    public async Task<TaskResultMeta> RunNextAsync(string queue, string taskId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var batch = await Broker.ReceiveAsync(queue, 1, cts.Token);
        Assert.True(batch.Count == 1, $"no message was ready on queue '{queue}'");
        await _services.GetRequiredService<TaskRunner>().RunAsync(batch[0], CancellationToken.None);
        return (await Results.GetAsync(taskId, CancellationToken.None))!;
    }

    /// <summary>Enqueues and runs <paramref name="task"/> once; returns the stored result.</summary>
    public async Task<TaskResultMeta> RunAsync(string task, JsonObject? kwargs = null, string? taskId = null, string? messageId = null)
    {
        var published = await EnqueueAsync(task, kwargs, taskId, messageId);
        return await RunNextAsync(published.Queue, published.TaskId);
    }

    /// <summary>
    /// Runs the same task id again as a redelivery after a crash would: the worker died after the task's
    /// side effects but before its result was stored, so the result is gone and the handler runs again.
    /// </summary>
    public async Task<TaskResultMeta> RunAgainAfterCrashAsync(string task, JsonObject? kwargs, string taskId)
    {
        var redis = _services.GetRequiredService<IConnectionMultiplexer>();
        await redis.GetDatabase().KeyDeleteAsync($"{Name}:celery-task-meta-{taskId}");
        return await RunAsync(task, kwargs, taskId, messageId: $"{taskId}.redelivered-{Guid.NewGuid():N}");
    }

    /// <summary>AFIRGen's cache database.</summary>
    public IDatabase Cache => _services.GetRequiredService<IConnectionMultiplexer>().GetDatabase(CacheDatabase);

    /// <summary>Empties this harness's cache database.</summary>
    public Task FlushCacheAsync(AfirgenServers servers) => servers.RedisConnection.GetServer(servers.RedisConnection.GetEndPoints()[0]).FlushDatabaseAsync(CacheDatabase);

    public BlobContainerClient Container(string name) => new BlobServiceClient(_services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.ConnectionString).GetBlobContainerClient(name);

    /// <summary>Every log message so far, formatted.</summary>
    public string AllLogText() => string.Join("\n", Logs.GetSnapshot().Select(r => $"{r.Level} {r.Category} {r.Message} {r.Exception}"));

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
