using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary>The schedule as the API shows it (what Hangfire's recurring-jobs page shows), and its "run now".</summary>
public sealed class ScheduleApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Schedules_ListTheCleanupSchedule_WithItsNextRunAndTasks()
    {
        var before = DateTimeOffset.UtcNow;
        var schedules = JsonNode.Parse(await host.Http.GetStringAsync("/api/schedules"))!.AsArray();
        var cleanup = Assert.Single(schedules)!;
        Assert.Equal("cleanup", cleanup["name"]!.GetValue<string>());
        Assert.Equal("0 0 2 * * *", cleanup["cron"]!.GetValue<string>());
        Assert.Equal("UTC", cleanup["timeZone"]!.GetValue<string>());
        // Daily at 02:00 UTC: the next one is the first 02:00 after now, the last one the day before it.
        var next = cleanup["nextRun"]!.GetValue<DateTimeOffset>();
        Assert.Equal(new TimeSpan(2, 0, 0), next.UtcDateTime.TimeOfDay);
        Assert.InRange(next - before, TimeSpan.Zero, TimeSpan.FromDays(1));
        Assert.Equal(next.AddDays(-1), cleanup["lastDue"]!.GetValue<DateTimeOffset>());
        Assert.Equal(CleanupSchedule.Tasks.Select(t => t.Task), cleanup["tasks"]!.AsArray().Select(t => t!["task"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RunNow_EnqueuesTheScheduledTasksAsAnOccurrenceWould_EachTimeUnderNewIds()
    {
        using var response = await host.Http.PostAsync("/api/schedules/cleanup/run", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var enqueued = JsonNode.Parse(text)!["enqueued"]!.AsArray().Select(t => t!).ToArray();

        // The same tasks, queues and priorities the schedule's own occurrence sends.
        var occurrence = new DateTimeOffset(2001, 1, 1, 2, 0, 0, TimeSpan.Zero);
        var scheduled = await host.Services.GetRequiredService<ScheduledTaskEnqueuer>().EnqueueOccurrenceAsync(occurrence, CancellationToken.None);
        Assert.Equal(scheduled.Select(p => (p.TaskName, p.Queue, p.Priority)),
            enqueued.Select(t => (t["name"]!.GetValue<string>(), t["queue"]!.GetValue<string>(), t["priority"]!.GetValue<int>())));
        Assert.All(enqueued, t => Assert.Equal("cleanup", t["queue"]!.GetValue<string>()));
        // Not an occurrence's ids (a run asked for is not dropped as a duplicate of one), and new ones each time.
        var ids = enqueued.Select(t => t["id"]!.GetValue<string>()).ToArray();
        Assert.DoesNotContain(ids, id => scheduled.Any(s => s.TaskId == id));
        using var again = await host.Http.PostAsync("/api/schedules/cleanup/run", new StringContent("{}", Encoding.UTF8, "application/json"));
        var againIds = JsonNode.Parse(await again.Content.ReadAsStringAsync())!["enqueued"]!.AsArray().Select(t => t!["id"]!.GetValue<string>());
        Assert.Empty(ids.Intersect(againIds));

        // They are on their way: the task index knows each, on the cleanup queue.
        foreach (var id in ids)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                using var info = await host.Http.GetAsync($"/api/task/info/{id}");
                if (info.IsSuccessStatusCode)
                {
                    Assert.Equal("cleanup", JsonNode.Parse(await info.Content.ReadAsStringAsync())!["routing_key"]!.GetValue<string>());
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"task {id} not in the index after 10 s");
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task RunNow_OfAnUnknownSchedule_Is404_AndABodyThatIsNotJson_Is415()
    {
        using var unknown = await host.Http.PostAsync("/api/schedules/nightly/run", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("the schedules are: cleanup", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var form = await host.Http.PostAsync("/api/schedules/cleanup/run", new StringContent("go", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
    }
}
