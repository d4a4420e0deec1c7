using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests.Samples;

/// <summary>The samples the docs show do what the docs say, on the real engine with Redis results.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class TaskSampleTests(RedisFixture redis)
{
    [Fact]
    public async Task The_sample_task_succeeds_and_enqueues_its_follow_up()
    {
        await using var engine = EngineHarness.Create(redis.Server.Configuration, tasks: s => s.AddSampleTasks());
        var published = await engine.Publisher.PublishAsync(
            new TaskRequest { TaskName = TaskSamples.Archive, Kwargs = new JsonObject { ["month"] = "2026-01" } }, CancellationToken.None);
        Assert.Equal(2, published.Priority);

        await engine.RunNextAsync(published.Queue);
        var result = await engine.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Success, result?.Status);
        Assert.Equal("2026-01", result!.Result!["month"]!.GetValue<string>());
        Assert.False(result.Result["dry_run"]!.GetValue<bool>());

        var followUp = result.Result["report"]!.GetValue<string>();
        await engine.RunNextAsync(published.Queue);
        var greeting = await engine.ResultAsync(followUp);
        Assert.Equal("Hello, 2026-01", greeting?.Result?["greeting"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_malformed_month_fails_without_a_retry()
    {
        await using var engine = EngineHarness.Create(redis.Server.Configuration, tasks: s => s.AddSampleTasks());
        var published = await engine.Publisher.PublishAsync(
            new TaskRequest { TaskName = TaskSamples.Archive, Args = ["January"] }, CancellationToken.None);

        await engine.RunNextAsync(published.Queue);

        var result = await engine.ResultAsync(published.TaskId);
        Assert.Equal(TaskStates.Failure, result?.Status);
        Assert.Equal(0L, (await engine.StatsAsync(published.Queue)).Waiting);
    }
}
