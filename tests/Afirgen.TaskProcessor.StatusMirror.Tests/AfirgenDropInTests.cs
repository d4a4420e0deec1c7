using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.StatusMirror.Tests;

/// <summary>
/// The drop-in promise end to end: a task sent by real Celery the way AFIRGen sends it
/// (<c>send_task(name, kwargs=…, priority=…)</c>, then a <c>pending</c> row) is seen by AFIRGen's status
/// query moving to running and completed; a revoked one shows cancelled and never runs.
/// </summary>
[Collection(MirrorCollectionDefinition.Name)]
public sealed class AfirgenDropInTests(RedisFixture redis, MariaDbFixture mariaDb)
{
    private const string SendNotification = "afirgen_tasks.email.send_notification";

    [Fact]
    public async Task ATaskSentLikeAfirgenSendsIt_MovesThroughTheStatusTable()
    {
        var release = new TaskCompletionSource();
        var runs = 0;
        await using var h = await MirrorHarness.StartAsync(redis, mariaDb, s => s.AddTask(SendNotification, async ctx =>
        {
            Interlocked.Increment(ref runs);
            await release.Task;
            return new JsonObject
            {
                ["status"] = "success",
                ["message"] = "Notification sent",
                ["recipient"] = ctx.Get<string>("recipient_email"),
                ["subject"] = ctx.Get<string>("subject"),
            };
        }, o => o.Parameters =
        [
            TaskParameter.RequiredParameter("recipient_email"), TaskParameter.RequiredParameter("subject"),
            TaskParameter.RequiredParameter("body"), TaskParameter.Optional("priority", 3),
        ]));

        // Two tasks, sent by Celery itself with AFIRGen's kwargs (including its priority kwarg).
        var sent = await SendLikeAfirgenAsync(h, """{"recipient_email": "officer@example.org", "subject": "FIR filed", "body": "…", "priority": 7}""");
        var revoked = await SendLikeAfirgenAsync(h, """{"recipient_email": "officer@example.org", "subject": "Withdrawn", "body": "…", "priority": 7}""");

        // AFIRGen's cancel button, with the one-line change: revoke through the processor.
        await h.Engine.Services.GetRequiredService<TaskRevoker>().RevokeAsync(revoked, terminate: true, CancellationToken.None);

        var running = h.Engine.RunNextAsync("email");
        await h.WaitForRowAsync(sent, r => r.Status == "running", "running");
        release.SetResult();
        await running;
        await h.Engine.RunNextAsync("email");

        var done = await h.WaitForRowAsync(sent, r => r.Status == "completed", "completed");
        Assert.Equal("officer@example.org", done.Result!["recipient"]!.GetValue<string>());
        Assert.Equal("FIR filed", done.Result["subject"]!.GetValue<string>());
        Assert.Equal("cancelled", (await h.WaitForRowAsync(revoked, r => r.Status == "cancelled", "cancelled")).Status);
        Assert.Equal(1, runs);
        Assert.Equal(new QueueStatistics("email", 0, 0, 0, 0), await h.Engine.StatsAsync("email"));
    }

    private async Task<string> SendLikeAfirgenAsync(MirrorHarness h, string kwargs)
    {
        var envelope = await CeleryTools.EnvelopeAsync(redis.Server, "--task", SendNotification, "--kwargs", kwargs, "--priority", "7");
        var id = JsonNode.Parse(envelope)!["headers"]!["id"]!.GetValue<string>();
        await h.Engine.Broker.SendAsync("email", new OutgoingMessage(id, id, SendNotification, 7, envelope), null, CancellationToken.None);
        await h.InsertPendingRowAsync(id, SendNotification, JsonNode.Parse(kwargs)!.AsObject());
        return id;
    }
}
