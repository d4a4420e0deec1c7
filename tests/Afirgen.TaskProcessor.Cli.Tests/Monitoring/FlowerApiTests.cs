using System.Net;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// Flower's REST API against two running instances sharing one Redis, with the JSON shapes Flower's code answers
/// (flower/api/*.py: Celery's Task.as_dict() and inspect's Request.info(); its docstrings' examples are older), so a
/// script written for Flower works unchanged.
/// </summary>
public sealed class FlowerApiTests(TwoWorkersFixture workers) : IClassFixture<TwoWorkersFixture>
{
    private static readonly int[] EchoArgs = [1, 2];

    // The keys of one task in Flower's GET /api/tasks: Celery's Task._fields (celery/events/state.py), which Flower
    // serves through Task.as_dict(); its docstring's example predates root, parent, children and rejected.
    private static readonly string[] FlowerTaskKeys =
    [
        "args", "children", "client", "clock", "eta", "exception", "exchange", "expires", "failed", "kwargs", "name", "parent",
        "parent_id", "received", "rejected", "result", "retried", "retries", "revoked", "root", "root_id", "routing_key", "runtime",
        "sent", "started", "state", "succeeded", "timestamp", "traceback", "uuid", "worker",
    ];

    private static string[] Keys(JsonNode node) => node.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Workers_ListsEveryLiveInstance_InFlowersShape()
    {
        var listed = await Eventually.ValueAsync(async () =>
        {
            var all = await workers.A.GetJsonAsync("/api/workers");
            return all.AsObject().ContainsKey(workers.B.Name) && all.AsObject().ContainsKey(workers.A.Name) ? all : null;
        }, "both workers in /api/workers");

        var b = listed[workers.B.Name]!;
        foreach (var key in new[] { "active_queues", "conf", "registered", "stats", "timestamp" })
        {
            Assert.True(b.AsObject().ContainsKey(key), $"worker entry lacks Flower's '{key}'");
        }
        Assert.Equal(["analytics", "cleanup", "default", "email", "reports"], b["active_queues"]!.AsArray().Select(q => q!["name"]!.GetValue<string>()).Order().ToArray());
        Assert.Contains("diagnostics.echo", b["registered"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, b["stats"]!["pool"]!["max-concurrency"]!.GetValue<int>());
        Assert.Equal(16, b["stats"]!["prefetch_count"]!.GetValue<int>());
        Assert.Equal(Environment.ProcessId, b["stats"]!["pid"]!.GetValue<int>());

        var status = await workers.A.GetJsonAsync("/api/workers?status=true");
        Assert.True(status[workers.B.Name]!.GetValue<bool>());

        var one = await workers.A.GetJsonAsync($"/api/workers?workername={Uri.EscapeDataString(workers.B.Name)}");
        Assert.Equal([workers.B.Name], Keys(one));
        using var unknown = await workers.A.Http.GetAsync("/api/workers?workername=nobody@nowhere");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Workers_ActiveAndReserved_AreCelerysRequestInfo_AsFlowerServesThem()
    {
        // B runs four at a time: five long sleeps leave four running and one held (prefetched, not started).
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await workers.B.EnqueueAsync(new { name = "diagnostics.sleep", kwargs = new { seconds = 60 }, queue = "reports" }));
        }
        try
        {
            var b = await Eventually.ValueAsync(async () =>
            {
                var w = (await workers.A.GetJsonAsync($"/api/workers?workername={Uri.EscapeDataString(workers.B.Name)}"))[workers.B.Name]!;
                return w["active"]!.AsArray().Count == 4 && w["reserved"]!.AsArray().Count == 1 ? w : null;
            }, "four running and one held on B, in /api/workers");
            var running = b["active"]!.AsArray().Select(t => t!).ToArray();
            var held = b["reserved"]!.AsArray().Single()!;
            string[] requestKeys = ["acknowledged", "args", "delivery_info", "hostname", "id", "kwargs", "name", "time_start", "type", "worker_pid"];
            Assert.All(running, t => Assert.Equal(requestKeys, Keys(t)));
            Assert.All(running, t => Assert.Equal("diagnostics.sleep", t["name"]!.GetValue<string>()));
            Assert.All(running, t => Assert.Equal(workers.B.Name, t["hostname"]!.GetValue<string>()));
            Assert.All(running, t => Assert.Equal("reports", t["delivery_info"]!["routing_key"]!.GetValue<string>()));
            Assert.All(running, t => Assert.True(t["time_start"]!.GetValue<double>() > 0));
            Assert.All(requestKeys, k => Assert.True(held.AsObject().ContainsKey(k), $"reserved lacks Celery's '{k}'"));
            Assert.Equal("diagnostics.sleep", held["name"]!.GetValue<string>());
            Assert.Null(held["time_start"]);
            Assert.Equal(ids.ToHashSet(), running.Select(t => t["id"]!.GetValue<string>()).Append(held["id"]!.GetValue<string>()).ToHashSet());

            // The dashboard's queue figures tell them apart too: of what is in flight on reports, four run and one is held.
            var reports = await Eventually.ValueAsync(async () =>
                (await workers.A.GetJsonAsync("/api/monitor/overview"))["queues"]!.AsArray().Single(q => q!["name"]!.GetValue<string>() == "reports") is { } q
                && q["running"]!.GetValue<long>() == 4 ? q : null, "reports' running and held in the overview");
            Assert.Equal(1, reports["held"]!.GetValue<long>());
        }
        finally
        {
            foreach (var id in ids)
            {
                await workers.B.PostJsonAsync($"/api/tasks/{id}/revoke?terminate=true", new { });
            }
            foreach (var id in ids)
            {
                await workers.B.WaitForStateAsync(id, "REVOKED");
            }
        }
    }

    [Fact]
    public async Task Tasks_WithoutALimit_ListsEveryIndexedTask_AsFlowerDoes_UpToItsTenThousand()
    {
        var taskName = "diagnostics.noop";
        var ids = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            ids.Add(await AsyncApplyAsync(workers.A, taskName, new { }));
        }
        await workers.A.WaitForStateAsync(ids[^1], "SUCCESS");
        var listed = await Eventually.ValueAsync(async () =>
        {
            var all = (await workers.A.GetJsonAsync($"/api/tasks?taskname={taskName}")).AsObject();
            return ids.All(all.ContainsKey) ? all : null;
        }, "all 150 tasks in /api/tasks without a limit");
        Assert.True(listed.Count >= 150);
    }

    [Fact]
    public async Task Tasks_ListsTasksOfBothInstances_WithFlowersTaskKeys_AndFilters()
    {
        var onA = await AsyncApplyAsync(workers.A, "diagnostics.echo", new { kwargs = new { fir_id = "FIR-A" } });
        var onB = await AsyncApplyAsync(workers.B, "diagnostics.echo", new { kwargs = new { fir_id = "FIR-B" } });
        await workers.A.WaitForStateAsync(onA, "SUCCESS");
        await workers.B.WaitForStateAsync(onB, "SUCCESS");

        // Read from B: the index is shared, so A's task is there too, with the worker that ran it.
        var tasks = await Eventually.ValueAsync(async () =>
        {
            var all = await workers.B.GetJsonAsync("/api/tasks?taskname=diagnostics.echo&state=SUCCESS&limit=1000");
            return all.AsObject().ContainsKey(onA) && all.AsObject().ContainsKey(onB) ? all : null;
        }, "both tasks in /api/tasks");
        foreach (var id in new[] { onA, onB })
        {
            var task = tasks[id]!;
            Assert.Equal(FlowerTaskKeys, Keys(task));
            Assert.Equal(id, task["uuid"]!.GetValue<string>());
            Assert.Equal("SUCCESS", task["state"]!.GetValue<string>());
            Assert.Equal("diagnostics.echo", task["name"]!.GetValue<string>());
            Assert.Null(task["args"]); // arguments are never shown in clear
            Assert.Null(task["kwargs"]);
            Assert.True(task["succeeded"]!.GetValue<double>() >= task["started"]!.GetValue<double>());
            Assert.Contains("FIR-", task["result"]!.GetValue<string>());
        }
        Assert.Equal(workers.A.Name, tasks[onA]!["worker"]!.GetValue<string>());
        Assert.Equal(workers.B.Name, tasks[onB]!["worker"]!.GetValue<string>());

        var limited = await workers.A.GetJsonAsync("/api/tasks?taskname=diagnostics.echo&limit=1");
        Assert.Single(limited.AsObject());
        var byWorker = await workers.A.GetJsonAsync($"/api/tasks?workername={Uri.EscapeDataString(workers.A.Name)}&limit=1000");
        Assert.All(byWorker.AsObject(), t => Assert.Equal(workers.A.Name, t.Value!["worker"]!.GetValue<string>()));
        var sorted = await workers.A.GetJsonAsync("/api/tasks?sort_by=name&limit=1000");
        var names = sorted.AsObject().Select(t => t.Value!["name"]?.GetValue<string>() ?? "").ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        using var badSort = await workers.A.Http.GetAsync("/api/tasks?sort_by=colour");
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
    }

    [Fact]
    public async Task TaskInfo_And_TaskResult_AnswerInFlowersShape()
    {
        var id = await AsyncApplyAsync(workers.A, "diagnostics.echo", new { args = EchoArgs });
        await workers.A.WaitForStateAsync(id, "SUCCESS");

        var info = await Eventually.ValueAsync(async () =>
        {
            var i = await workers.B.GetJsonAsync($"/api/task/info/{id}");
            return i["state"]!.GetValue<string>() == "SUCCESS" && i["succeeded"] is not null ? i : null;
        }, "task info SUCCESS");
        // Flower answers Task.as_dict(): the id is "uuid" (scripts read info["uuid"]); its docstring's "task-id" is kept too.
        Assert.Equal(id, info["uuid"]!.GetValue<string>());
        Assert.Equal(id, info["task-id"]!.GetValue<string>());
        Assert.All(FlowerTaskKeys, k => Assert.True(info.AsObject().ContainsKey(k), $"info lacks Flower's '{k}'"));

        var result = await workers.B.GetJsonAsync($"/api/task/result/{id}");
        Assert.Equal(id, result["task-id"]!.GetValue<string>());
        Assert.Equal("SUCCESS", result["state"]!.GetValue<string>());
        Assert.Equal(2, result["result"]!["args"]!.AsArray().Count);

        var never = Guid.NewGuid().ToString();
        Assert.Equal("PENDING", (await workers.A.GetJsonAsync($"/api/task/result/{never}"))["state"]!.GetValue<string>());
        using var unknown = await workers.A.Http.GetAsync($"/api/task/info/{never}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TaskInfo_ShowsParentRootChildrenAndTheChainStillToRun_AcrossInstances()
    {
        // On A: a task that enqueues two children, chained to an echo (no id of its own) and then a noop (with one).
        var publisher = workers.A.Services!.GetRequiredService<TaskPublisher>();
        var chain = new[]
        {
            new TaskSignature(DiagnosticTasks.Echo, [], [], [], false, null),
            new TaskSignature(DiagnosticTasks.Noop, [], [], new JsonObject { ["task_id"] = Guid.NewGuid().ToString() }, true, null),
        };
        var root = (await publisher.PublishAsync(new TaskRequest { TaskName = TwoWorkersFixture.SpawnChildren, Kwargs = new JsonObject { ["count"] = 2 }, Chain = chain }, CancellationToken.None)).TaskId;
        var links = MessageIds.ForChain(root, chain);
        var (next, last) = (links[0].TaskId, links[1].TaskId);
        var spawned = (await WaitForSuccessAsync(workers.A, root))["result"]!["children"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
        Assert.Equal(2, spawned.Length);
        foreach (var id in spawned.Append(next).Append(last))
        {
            await WaitForSuccessAsync(workers.A, id);
        }

        // Read from B: the result names the children the handler enqueued, the index the chain link that started.
        var info = await Eventually.ValueAsync(async () =>
        {
            var i = await workers.B.GetJsonAsync($"/api/task/info/{root}");
            return i["children"]!.AsArray().Count == 3 ? i : null;
        }, "the root's three children in task info");
        Assert.Equal([.. spawned, next], info["children"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Null(info["parent_id"]);
        Assert.Null(info["parent"]);
        Assert.Equal(root, info["root_id"]!.GetValue<string>());
        Assert.Equal(root, info["root"]!.GetValue<string>());
        Assert.Equal([(next, DiagnosticTasks.Echo), (last, DiagnosticTasks.Noop)],
            info["chain"]!.AsArray().Select(l => (l!["task-id"]!.GetValue<string>(), l["name"]!.GetValue<string>())));

        var link = await Eventually.ValueAsync(async () =>
        {
            var i = await workers.B.GetJsonAsync($"/api/task/info/{next}");
            return i["children"]!.AsArray().Count == 1 ? i : null;
        }, "the chain's next link with its own next link as child");
        Assert.Equal((root, root), (link["parent_id"]!.GetValue<string>(), link["root_id"]!.GetValue<string>()));
        Assert.Equal([last], link["chain"]!.AsArray().Select(l => l!["task-id"]!.GetValue<string>()));
        Assert.Equal([last], link["children"]!.AsArray().Select(c => c!.GetValue<string>()));

        var tail = await workers.B.GetJsonAsync($"/api/task/info/{last}");
        Assert.Equal((next, root), (tail["parent_id"]!.GetValue<string>(), tail["root_id"]!.GetValue<string>()));
        Assert.Empty(tail["chain"]!.AsArray());
        var child = await workers.B.GetJsonAsync($"/api/task/info/{spawned[0]}");
        Assert.Equal((root, root), (child["parent_id"]!.GetValue<string>(), child["root_id"]!.GetValue<string>()));

        // The listing carries the same lineage, in Flower's keys.
        var listed = (await workers.B.GetJsonAsync($"/api/tasks?taskname={TwoWorkersFixture.SpawnChildren}&limit=1000"))[root]!;
        Assert.Equal(FlowerTaskKeys, Keys(listed));
        Assert.Equal([.. spawned, next], listed["children"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public async Task Tasks_FilterByReceivedTimeStateAndSearch_AsFlowerDoes()
    {
        var id = await AsyncApplyAsync(workers.A, "diagnostics.echo", new { kwargs = new { fir_id = "FIR-SEARCH" } });
        await workers.A.WaitForStateAsync(id, "SUCCESS");
        static string Minute(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        var now = DateTimeOffset.UtcNow;

        async Task<bool> ListsAsync(string query) => (await workers.B.GetJsonAsync("/api/tasks?limit=10000&" + query)).AsObject().ContainsKey(id);
        await Eventually.TrueAsync(() => ListsAsync("state=SUCCESS"), "the task in the index as SUCCESS");
        Assert.True(await ListsAsync("state=success")); // Flower compares states, names and workers ignoring case
        Assert.True(await ListsAsync($"received_start={Minute(now.AddMinutes(-5))}&received_end={Minute(now.AddMinutes(5))}"));
        Assert.False(await ListsAsync($"received_start={Minute(now.AddMinutes(5))}"));
        Assert.False(await ListsAsync($"received_end={Minute(now.AddMinutes(-5))}"));
        Assert.True(await ListsAsync($"started_start={Uri.EscapeDataString(now.AddMinutes(-5).ToString("O"))}"));
        Assert.False(await ListsAsync($"started_end={Uri.EscapeDataString(now.AddMinutes(-5).ToString("O"))}"));
        Assert.True(await ListsAsync("search=" + id[..8]));
        Assert.True(await ListsAsync("search=" + Uri.EscapeDataString("name:ECHO state:success")));
        Assert.True(await ListsAsync("search=" + Uri.EscapeDataString($"(name:noop OR name:echo) AND worker:{workers.A.Name}")));
        Assert.False(await ListsAsync("search=" + Uri.EscapeDataString($"name:echo worker:{workers.B.Name}")));
        Assert.False(await ListsAsync("search=" + Uri.EscapeDataString("\"diagnostics.echo FAILURE\"")));

        foreach (var (query, wanted) in new[]
        {
            ("received_start=yesterday", "YYYY-MM-DD HH:MM"),
            ("started_end=2026-13-01%2010:00", "YYYY-MM-DD HH:MM"),
            ("state=DONE", "not a Celery task state"),
            ("limit=ten", "whole numbers"),
            ("search=" + Uri.EscapeDataString("kwargs:fir_id=FIR-SEARCH"), "never holds task arguments"),
            ("search=" + Uri.EscapeDataString("result:FIR"), "never holds task arguments or results"),
            ("search=" + Uri.EscapeDataString("\"unterminated"), "Unterminated quoted phrase at position 0"),
            ("search=ab", "at least 3 characters"),
            ("search=" + Uri.EscapeDataString("echo OR"), "OR must be followed by a search term"),
            ("search=" + Uri.EscapeDataString("NOT echo"), "NOT is not supported"),
        })
        {
            using var response = await workers.A.Http.GetAsync("/api/tasks?" + query);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query} answered {(int)response.StatusCode}: {body}");
            Assert.Contains(wanted, JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    private static Task<JsonNode> WaitForSuccessAsync(Worker worker, string id) =>
        Eventually.ValueAsync(async () =>
        {
            var result = await worker.GetJsonAsync($"/api/task/result/{id}");
            return result["state"]!.GetValue<string>() == "SUCCESS" ? result : null;
        }, $"task {id} reaching SUCCESS");

    [Fact]
    public async Task Apply_WaitsForTheResult_AndSendTask_And_UnknownTaskIs404()
    {
        var (status, applied) = await workers.A.PostJsonAsync("/api/task/apply/diagnostics.echo", new { kwargs = new { x = 7 } });
        Assert.Equal(200, status);
        Assert.Equal("SUCCESS", applied!["state"]!.GetValue<string>());
        Assert.Equal(7, applied["result"]!["kwargs"]!["x"]!.GetValue<int>());
        Assert.Equal(["result", "state", "task-id"], Keys(applied));

        var (sent, body) = await workers.A.PostJsonAsync("/api/task/send-task/diagnostics.noop", new { args = Array.Empty<int>() });
        Assert.Equal(200, sent);
        Assert.Equal(["state", "task-id"], Keys(body!));

        var (unknown, _) = await workers.A.PostJsonAsync("/api/task/async-apply/tasks.nope", new { });
        Assert.Equal(404, unknown);
        var (bad, _) = await workers.A.PostJsonAsync("/api/task/async-apply/diagnostics.echo", new { args = "not a list" });
        Assert.Equal(400, bad);
    }

    [Fact]
    public async Task Revoke_AnswersFlowersMessage_AndTheTaskNeverRuns()
    {
        var id = await workers.A.EnqueueAsync(new { name = "diagnostics.echo", countdown = 60 });
        var (status, body) = await workers.B.PostJsonAsync($"/api/task/revoke/{id}?terminate=true", new { });
        Assert.Equal(200, status);
        Assert.Equal($"Revoked '{id}'", body!["message"]!.GetValue<string>());
        await workers.A.WaitForStateAsync(id, "REVOKED");

        var (bad, _) = await workers.A.PostJsonAsync($"/api/task/revoke/{id}?terminate=perhaps", new { });
        Assert.Equal(400, bad);
    }

    [Fact]
    public async Task QueueLengths_AnswersActiveQueuesWithNameAndMessages()
    {
        var lengths = await workers.A.GetJsonAsync("/api/queues/length");
        Assert.Equal(["active_queues"], Keys(lengths));
        var queues = lengths["active_queues"]!.AsArray();
        Assert.Equal(5, queues.Count);
        Assert.All(queues, q => Assert.Equal(["messages", "name"], Keys(q!)));
    }

    private static async Task<string> AsyncApplyAsync(Worker worker, string name, object body)
    {
        var (status, answer) = await worker.PostJsonAsync($"/api/task/async-apply/{name}", body);
        Assert.Equal(200, status);
        Assert.Equal(["state", "task-id"], Keys(answer!));
        Assert.Equal("PENDING", answer!["state"]!.GetValue<string>());
        return answer["task-id"]!.GetValue<string>();
    }
}
