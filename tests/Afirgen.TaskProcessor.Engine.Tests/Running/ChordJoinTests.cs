using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>
/// The engine joins a chord's header the way Celery's Redis backend does, on any broker (here the embedded one, as on
/// Service Bus): header messages as Celery's canvas writes them (<c>group</c>, <c>group_index</c>, <c>embed.chord</c>),
/// the chord's size in the result store as Celery's producer sets it.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ChordJoinTests(RedisFixture redis)
{
    [Fact]
    public async Task TheTaskThatCompletesTheJoin_SendsTheBodyOnce_WithTheResultsInHeaderOrder()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration);
        var (group, body) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var header = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString()).ToArray();
        await h.Results.SetChordSizeAsync(group, header.Length, CancellationToken.None);
        // Sent, and so run, in reverse order: the body still gets them in the header's order.
        for (var i = header.Length - 1; i >= 0; i--)
        {
            await SendHeaderTaskAsync(h, header[i], group, i, body, DiagnosticTasks.Echo);
        }

        await h.RunNextAsync();
        await h.RunNextAsync();
        Assert.Equal(1, (await h.StatsAsync()).Waiting); // the last header task, and no body yet
        var last = await h.RunNextAsync();

        var bodyDelivery = await h.ReceiveAsync();
        var sent = Assert.IsType<ParseOutcome.Parsed>(h.Services.GetRequiredService<CeleryMessageParser>().Parse(bodyDelivery.Message.Body)).Message;
        Assert.Equal(body, sent.Id);
        Assert.Equal("chord.body", sent.TaskName);
        var results = sent.Args[0]!.AsArray();
        Assert.Equal([0, 1, 2], results.Select(r => r!["args"]![0]!.GetValue<int>()));
        Assert.Equal("tail", sent.Args[1]!.GetValue<string>());
        Assert.Equal(header[0], sent.ParentId); // the header task that completed the join
        Assert.False(await redis.Connection.GetDatabase(0).KeyExistsAsync($"celery-taskset-meta-{group}.j"));

        // A header task delivered again (its worker died before settling) counts once and sends nothing more.
        await h.Runner.RunAsync(last with { Message = last.Message with { DeliveryCount = 2 } }, CancellationToken.None);
        Assert.Equal(0, (await h.StatsAsync()).Waiting);
    }

    [Fact]
    public async Task AHeaderTaskRedeliveredBeforeTheJoinCompletes_IsCountedOnce()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration);
        var (group, body) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await h.Results.SetChordSizeAsync(group, 2, CancellationToken.None);
        var first = Guid.NewGuid().ToString();
        await SendHeaderTaskAsync(h, first, group, 0, body, DiagnosticTasks.Echo);
        var delivery = await h.RunNextAsync();
        await h.Runner.RunAsync(delivery with { Message = delivery.Message with { DeliveryCount = 2 } }, CancellationToken.None);
        Assert.Equal(0, (await h.StatsAsync()).Waiting);

        await SendHeaderTaskAsync(h, Guid.NewGuid().ToString(), group, 1, body, DiagnosticTasks.Echo);
        await h.RunNextAsync();
        Assert.Equal(1, (await h.StatsAsync()).Waiting);
    }

    [Fact]
    public async Task ARevokedOrFailedHeaderTask_FailsTheBodyWithChordError_AndNothingIsSent()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration);
        var (group, body) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var revoked = Guid.NewGuid().ToString();
        await h.Results.SetChordSizeAsync(group, 2, CancellationToken.None);
        await h.Services.GetRequiredService<TaskRevoker>().RevokeAsync(revoked, terminate: false, CancellationToken.None);
        await SendHeaderTaskAsync(h, Guid.NewGuid().ToString(), group, 0, body, DiagnosticTasks.Echo);
        await SendHeaderTaskAsync(h, revoked, group, 1, body, DiagnosticTasks.Echo);
        await h.RunNextAsync();
        await h.RunNextAsync();

        Assert.Equal(0, (await h.StatsAsync()).Waiting);
        var failed = (await h.ResultAsync(body))!;
        Assert.Equal(TaskStates.Failure, failed.Status);
        Assert.Equal("ChordError", failed.Result!["exc_type"]!.GetValue<string>());
        Assert.Equal($"Dependency {revoked} raised TaskRevokedError('revoked')", failed.Result!["exc_message"]![0]!.GetValue<string>());
        Assert.EndsWith($"celery.exceptions.ChordError: Dependency {revoked} raised TaskRevokedError('revoked')\n", failed.Traceback);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("memory")]
    public async Task AStore_CountsAHeaderTaskOnce_EvenWhenARerunReturnedSomethingElse(string kind)
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration);
        IResultStore store = kind == "redis" ? h.Results : new InMemoryResultStore(Options.Create(new ResultOptions()), new FakeTimeProvider());
        var group = Guid.NewGuid().ToString();
        await store.SetChordSizeAsync(group, 2, CancellationToken.None);
        Assert.False((await store.JoinChordPartAsync(group, "b", 1, "[1, \"b\", \"SUCCESS\", 2]", CancellationToken.None)).Ready);
        // Run again after a crash that lost its result, it returned another value: still one part of two.
        Assert.False((await store.JoinChordPartAsync(group, "b", 1, "[1, \"b\", \"SUCCESS\", 3]", CancellationToken.None)).Ready);
        var join = await store.JoinChordPartAsync(group, "a", 0, "[1, \"a\", \"SUCCESS\", 1]", CancellationToken.None);
        Assert.True(join.Ready);
        Assert.Equal(["[1, \"a\", \"SUCCESS\", 1]", "[1, \"b\", \"SUCCESS\", 2]"], join.Parts);
    }

    // What Celery's canvas sends for each header task: group id and index in the headers, the body in embed.chord.
    private static Task SendHeaderTaskAsync(EngineHarness h, string id, string group, int index, string body, string taskName)
    {
        var chord = new JsonObject
        {
            ["task"] = "chord.body",
            ["args"] = new JsonArray("tail"),
            ["kwargs"] = new JsonObject(),
            ["options"] = new JsonObject { ["task_id"] = body },
            ["subtask_type"] = null,
            ["immutable"] = false,
        };
        var message = new TaskMessage { Id = id, TaskName = taskName, Args = [index], RootId = id, GroupId = group, GroupIndex = index, Chord = chord };
        return h.Broker.SendAsync("default", new OutgoingMessage(id, id, taskName, 5, CeleryMessageWriter.Write(message, "default", 5)), null, CancellationToken.None);
    }
}
