using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Results;

/// <summary>
/// Which Redis database results go to: the configuration string's <c>defaultDatabase</c> (docs/celery-migration.md's
/// <c>--redis host:port,defaultDatabase=2</c>) is honoured, and a database given twice and differently is refused.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ResultDatabaseTests(RedisFixture redis)
{
    [Fact]
    public async Task DefaultDatabaseInTheConfiguration_IsWhereResultsGo_AsCeleryReadsThem()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration + ",defaultDatabase=2");
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.RunNextAsync();

        // A later AsyncResult(id) on database 2, as the reader does it.
        var celery = await CeleryTools.ResultAsync(redis.Server, 2, published.TaskId, TimeSpan.FromSeconds(10));
        Assert.Equal("SUCCESS", celery["state"]!.GetValue<string>());
        Assert.False(await redis.Connection.GetDatabase(0).KeyExistsAsync(CeleryResultSerializer.KeyFor(published.TaskId)));
    }

    [Fact]
    public async Task DatabaseGivenTwiceDifferently_IsRefusedWithASentenceNamingBoth()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration + ",defaultDatabase=2",
            settings: new() { ["TaskProcessor:Redis:Database"] = "3" });
        var refused = Assert.Throws<OptionsValidationException>(() => h.Services.GetRequiredService<IOptions<RedisOptions>>().Value);
        Assert.Contains("TaskProcessor:Redis:Database is 3 but TaskProcessor:Redis:Configuration says defaultDatabase=2", refused.Message);
    }

    [Fact]
    public async Task DatabaseGivenTwiceTheSame_IsAccepted()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration + ",defaultDatabase=2",
            settings: new() { ["TaskProcessor:Redis:Database"] = "2" });
        Assert.Equal(2, h.Services.GetRequiredService<IOptions<RedisOptions>>().Value.ResolvedDatabase);
    }
}
