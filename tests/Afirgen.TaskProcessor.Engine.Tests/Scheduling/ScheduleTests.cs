using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Scheduling;

/// <summary>The beat replacement: when it fires, what it enqueues, and that one occurrence enqueues once.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ScheduleTests(RedisFixture redis)
{
    private EngineHarness Harness(Dictionary<string, string?>? settings = null) =>
        EngineHarness.Create(redis.Server.Configuration, s => s.AddTaskScheduleService(), settings);

    [Fact]
    public async Task ByDefault_TheThreeCleanupTasksAreEnqueuedOnTheCleanupQueueAtTwoInTheMorning()
    {
        await using var h = Harness();
        var service = h.Services.GetServices<IHostedService>().OfType<ScheduleService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            // The harness clock starts at 2026-11-25 12:00 UTC; nothing is due before 02:00 the next day.
            h.Time.Advance(TimeSpan.FromHours(13) + TimeSpan.FromMinutes(59));
            await Task.Delay(200);
            Assert.Equal(0, (await h.StatsAsync("cleanup")).Waiting);

            h.Time.Advance(TimeSpan.FromMinutes(1));
            var due = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);
            await WaitForAsync(async () => (await h.StatsAsync("cleanup")).Waiting == 3);

            var names = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var delivery = await h.ReceiveAsync("cleanup");
                var message = ((ParseOutcome.Parsed)new CeleryMessageParser(Options.Create(new MessageOptions())).Parse(delivery.Message.Body)).Message;
                Assert.Equal(MessageIds.ForScheduledOccurrence(CleanupSchedule.Name, message.TaskName, due), message.Id);
                Assert.Equal(1, message.Priority);
                names.Add(message.TaskName);
            }
            Assert.Equal(CleanupSchedule.Tasks.Select(t => t.Task).Order(), names.Order());
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task EnqueuingOneOccurrenceTwice_GivesTheSameTaskIds_AndConfiguredKwargsArriveAsJson()
    {
        await using var h = Harness(new()
        {
            ["TaskProcessor:Schedule:Tasks:0:Task"] = DiagnosticTasks.Echo,
            ["TaskProcessor:Schedule:Tasks:0:Kwargs:days_old"] = "730",
            ["TaskProcessor:Schedule:Tasks:0:Kwargs:label"] = "nightly",
            ["TaskProcessor:Schedule:Tasks:0:Priority"] = "4",
        });
        var enqueuer = h.Services.GetRequiredService<ScheduledTaskEnqueuer>();
        var occurrence = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);

        var first = Assert.Single(await enqueuer.EnqueueOccurrenceAsync(occurrence, CancellationToken.None));
        var second = Assert.Single(await enqueuer.EnqueueOccurrenceAsync(occurrence, CancellationToken.None));
        var next = Assert.Single(await enqueuer.EnqueueOccurrenceAsync(occurrence.AddDays(1), CancellationToken.None));

        Assert.Equal(first.TaskId, second.TaskId);
        Assert.NotEqual(first.TaskId, next.TaskId);
        Assert.Equal(4, first.Priority);

        await h.RunNextAsync();
        var result = await h.ResultAsync(first.TaskId);
        Assert.Equal(TaskStates.Success, result!.Status);
        Assert.Equal(730, result.Result!["kwargs"]!["days_old"]!.GetValue<int>());
        Assert.Equal("nightly", result.Result!["kwargs"]!["label"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("0 0 2 * *", "UTC", true)]
    [InlineData("0 0 2 * * *", "Asia/Kolkata", true)]
    [InlineData("every night", "UTC", false)]
    [InlineData("0 0 25 * * *", "UTC", false)]
    [InlineData("0 0 2 * * *", "Mars/Olympus", false)]
    public void Validation_NamesTheSettingAndSaysWhatIsWrong(string cron, string zone, bool valid)
    {
        var result = new ScheduleOptionsValidator().Validate(null, new ScheduleOptions { Cron = cron, TimeZone = zone });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("TaskProcessor:Schedule:Cron", result.FailureMessage);
        }
    }

    [Fact]
    public void NextOccurrence_FollowsTheTimeZone()
    {
        Assert.True(CronSchedule.TryParse("0 0 2 * * *", "Asia/Kolkata", out var schedule, out _));
        // 02:00 in India (UTC+5:30) is 20:30 UTC the day before.
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 20, 30, 0, TimeSpan.Zero),
            schedule!.NextAfter(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero))!.Value.ToUniversalTime());
    }

    [Theory]
    [InlineData("0 0 2 * * *", "2026-11-26T02:00:00.010Z", "2026-11-26T02:00:00Z")] // fired just after
    [InlineData("0 0 2 * * *", "2026-11-26T01:59:59.500Z", "2026-11-26T02:00:00Z")] // a little early by this clock
    [InlineData("0 0 2 * * *", "2026-11-26T09:30:00Z", "2026-11-26T02:00:00Z")]     // late (past due)
    [InlineData("*/5 * * * * *", "2026-11-26T09:30:07Z", "2026-11-26T09:30:05Z")]   // frequent
    [InlineData("0 0 2 1 1 *", "2026-11-26T02:00:00Z", "2026-01-01T02:00:00Z")]     // yearly
    public async Task FiredTimer_EnqueuesTheOccurrenceItStandsFor(string cron, string firedAt, string occurrence)
    {
        await using var h = Harness(new() { [CleanupSchedule.AppSetting] = cron });
        var enqueuer = h.Services.GetRequiredService<ScheduledTaskEnqueuer>();

        var published = await enqueuer.EnqueueFiredAsync(DateTimeOffset.Parse(firedAt), CancellationToken.None);

        var due = DateTimeOffset.Parse(occurrence);
        Assert.Equal(CleanupSchedule.Tasks.Select(t => MessageIds.ForScheduledOccurrence(CleanupSchedule.Name, t.Task, due)),
            published.Select(p => p.TaskId));
    }

    [Fact]
    public async Task CleanupScheduleSetting_OverridesTheConfiguredCron_InEveryHost()
    {
        await using var h = Harness(new()
        {
            ["TaskProcessor:Schedule:Cron"] = "0 0 3 * * *",
            [CleanupSchedule.AppSetting] = "0 30 1 * * *",
        });
        Assert.Equal("0 30 1 * * *", h.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value.Cron);
    }

    [Fact]
    public async Task FiredTimer_WithAnInvalidSchedule_SaysWhichSettingToFix()
    {
        await using var h = Harness(new() { [CleanupSchedule.AppSetting] = "nightly", ["TaskProcessor:Schedule:Enabled"] = "false" });
        var enqueuer = h.Services.GetRequiredService<ScheduledTaskEnqueuer>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => enqueuer.EnqueueFiredAsync(h.Time.GetUtcNow(), CancellationToken.None));
        Assert.Contains(CleanupSchedule.AppSetting, error.Message);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the schedule did not enqueue its tasks within 10 s");
            await Task.Delay(20);
        }
    }
}
