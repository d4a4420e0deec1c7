using System.Diagnostics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Engine.Tests.Interop;

/// <summary>
/// Both directions against real Celery 5.2 (Debian's python3-celery): Celery reads the results we
/// write with <c>AsyncResult.get()</c>, Celery's own messages run here, and a Celery worker runs the
/// messages we write.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class CeleryInteropTests(RedisFixture redis)
{
    // Celery's conventional layout on one server: broker in db 1, results in db 2.
    private EngineHarness Harness(Action<IServiceCollection>? tasks = null) => EngineHarness.Create(redis.Server.Configuration, tasks,
        new() { ["TaskProcessor:Redis:Database"] = "2" });

    [Fact]
    public async Task AsyncResultGet_WakesOnOurPublish_AndReadsOurSuccess()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo, Args = ["FIR-2026-0001"], Kwargs = new JsonObject { ["n"] = 3 } }, CancellationToken.None);

        // Celery starts waiting first, so it is our PUBLISH that must wake it.
        var reading = CeleryTools.ResultAsync(redis.Server, 2, published.TaskId, TimeSpan.FromSeconds(20));
        await Task.Delay(1500);
        await h.RunNextAsync();
        var result = await reading;

        Assert.Equal("SUCCESS", result["state"]!.GetValue<string>());
        Assert.False(result["timed_out"]!.GetValue<bool>());
        Assert.Equal("FIR-2026-0001", result["result"]!["args"]![0]!.GetValue<string>());
        Assert.Equal(3, result["result"]!["kwargs"]!["n"]!.GetValue<int>());
        Assert.NotNull(result["date_done"]);

        // result_extended is on by default (AFIRGen's setting): Celery's AsyncResult reads every field.
        Assert.Equal(DiagnosticTasks.Echo, result["name"]!.GetValue<string>());
        Assert.Equal("FIR-2026-0001", result["args"]![0]!.GetValue<string>());
        Assert.Equal(3, result["kwargs"]!["n"]!.GetValue<int>());
        Assert.Equal(0, result["retries"]!.GetValue<int>());
        Assert.Equal("default", result["queue"]!.GetValue<string>());
        Assert.Contains("@", result["worker"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailuresTraceback_ReadsAsPythons_WhenCeleryReadsIt()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Fail, Kwargs = new JsonObject { ["message"] = "no such FIR" } }, CancellationToken.None);
        await h.RunNextAsync();

        var result = await CeleryTools.ResultAsync(redis.Server, 2, published.TaskId, TimeSpan.FromSeconds(10));
        Assert.Equal("FAILURE", result["state"]!.GetValue<string>());
        var traceback = result["traceback"]!.GetValue<string>();
        var lines = traceback.TrimEnd('\n').Split('\n');
        Assert.Equal("Traceback (most recent call last):", lines[0]);
        Assert.All(lines[1..^1], l => Assert.Matches("^  File \"[^\"]+\", line \\d+, in \\S", l));
        Assert.Contains(lines[1..^1], l => l.Contains("DiagnosticTasks", StringComparison.Ordinal));
        Assert.StartsWith("ValueError: no such FIR", lines[^1]);
    }

    [Fact]
    public async Task AsyncResult_ReadsOurRevoked_AsTaskRevokedError()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.Services.GetRequiredService<Afirgen.TaskProcessor.Engine.Revocation.TaskRevoker>().RevokeAsync(published.TaskId, terminate: false, CancellationToken.None);

        var result = await CeleryTools.ResultAsync(redis.Server, 2, published.TaskId, TimeSpan.FromSeconds(20));
        Assert.Equal("REVOKED", result["state"]!.GetValue<string>());
        Assert.True(result["ready"]!.GetValue<bool>());
        Assert.Equal("TaskRevokedError", result["result"]!["exc_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AsyncResultGet_ReadsOurFailure_AsAPythonException()
    {
        await using var h = Harness();
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Fail, Kwargs = new JsonObject { ["message"] = "FIR not found" } }, CancellationToken.None);
        await h.RunNextAsync();

        var result = await CeleryTools.ResultAsync(redis.Server, 2, published.TaskId, TimeSpan.FromSeconds(20));
        Assert.Equal("FAILURE", result["state"]!.GetValue<string>());
        Assert.Equal("ValueError", result["result"]!["exc_type"]!.GetValue<string>());
        Assert.Equal("FIR not found", result["result"]!["exc_message"]!.GetValue<string>());
    }

    [Fact]
    public async Task CeleryProducedMessages_RunHere_WithEveryHeaderHonoured()
    {
        TaskContext? seen = null;
        await using var h = Harness(s => s.AddTask("afirgen_tasks.email.send_fir_confirmation", context =>
        {
            seen = context;
            return ValueTask.FromResult<JsonNode?>(new JsonObject { ["status"] = "success", ["fir_id"] = context.Get<string>("fir_id") });
        }, o => o.Parameters = [TaskParameter.RequiredParameter("fir_id"), TaskParameter.RequiredParameter("recipient_email")]));

        var envelope = await CeleryTools.EnvelopeAsync(redis.Server,
            "--task", "afirgen_tasks.email.send_fir_confirmation",
            "--kwargs", """{"fir_id": "FIR-2026-0042", "recipient_email": "complainant@example.org"}""",
            "--priority", "7", "--time-limit", "600", "--soft-time-limit", "540", "--retries", "1",
            "--parent-id", "parent-1", "--root-id", "root-1");
        var id = JsonNode.Parse(envelope)!["headers"]!["id"]!.GetValue<string>();
        await h.Broker.SendAsync("email", new OutgoingMessage(id, id, "afirgen_tasks.email.send_fir_confirmation", 7, envelope), null, CancellationToken.None);
        await h.RunNextAsync("email");

        var stored = await h.ResultAsync(id);
        Assert.Equal(TaskStates.Success, stored!.Status);
        Assert.Equal("FIR-2026-0042", stored.Result!["fir_id"]!.GetValue<string>());
        Assert.Equal(7, seen!.Priority);
        Assert.Equal(1, seen.Retries);
        Assert.Equal("parent-1", seen.ParentId);
        Assert.Equal("root-1", seen.RootId);

        // And AFIRGen's own client reads it back.
        var read = await CeleryTools.ResultAsync(redis.Server, 2, id, TimeSpan.FromSeconds(20));
        Assert.Equal("FIR-2026-0042", read["result"]!["fir_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task CeleryProducedChain_RunsBothLinksHere()
    {
        await using var h = Harness(s => s.AddTask("afirgen_tasks.reports.generate_pdf", _ => ValueTask.FromResult<JsonNode?>("reports/FIR-7.pdf")));
        var envelope = await CeleryTools.EnvelopeAsync(redis.Server,
            "--task", "afirgen_tasks.reports.generate_pdf", "--args", """["FIR-7"]""",
            "--chain-next", DiagnosticTasks.Echo, "--chain-args", """["officer@example.org"]""");
        var headers = JsonNode.Parse(envelope)!["headers"]!;
        var id = headers["id"]!.GetValue<string>();
        await h.Broker.SendAsync("reports", new OutgoingMessage(id, id, "afirgen_tasks.reports.generate_pdf", 5, envelope), null, CancellationToken.None);
        await h.RunNextAsync("reports");
        var link = await h.RunNextAsync("default");

        var next = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(link.Message.Body)).Message;
        var nextResult = await h.ResultAsync(next.Id);
        Assert.Equal(["reports/FIR-7.pdf", "officer@example.org"], nextResult!.Result!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(id, next.ParentId);
    }

    [Fact]
    public async Task CeleryWorker_RunsAMessageWeWrote()
    {
        var taskId = Guid.NewGuid().ToString();
        var message = new TaskMessage
        {
            Id = taskId,
            TaskName = "interop.describe",
            Args = ["FIR-1", 2],
            Kwargs = new JsonObject { ["report_type"] = "detailed" },
            Retries = 2,
            ParentId = "parent-9",
            RootId = "root-9",
            HardTimeLimit = TimeSpan.FromSeconds(600),
            SoftTimeLimit = TimeSpan.FromSeconds(540),
            Chain = [new TaskSignature("interop.describe", [], [], new JsonObject { ["task_id"] = Guid.NewGuid().ToString() }, true, null)],
        };
        var queue = $"interop-{Guid.NewGuid():N}";
        var body = CeleryMessageWriter.Write(message, queue, 8);
        // Where kombu's Redis transport keeps a queue: a list of that name in the broker's database.
        await redis.Connection.GetDatabase(1).ListLeftPushAsync(queue, body);

        using var worker = StartCeleryWorker(queue);
        try
        {
            var result = await CeleryTools.ResultAsync(redis.Server, 2, taskId, TimeSpan.FromSeconds(60));
            Assert.Equal("SUCCESS", result["state"]!.GetValue<string>());
            var understood = result["result"]!;
            Assert.Equal(["\"FIR-1\"", "2"], understood["args"]!.AsArray().Select(a => a!.ToJsonString()));
            Assert.Equal("detailed", understood["kwargs"]!["report_type"]!.GetValue<string>());
            Assert.Equal(2, understood["retries"]!.GetValue<int>());
            Assert.Equal("parent-9", understood["parent_id"]!.GetValue<string>());
            Assert.Equal("root-9", understood["root_id"]!.GetValue<string>());
            Assert.Equal(8, understood["priority"]!.GetValue<int>());
            Assert.Equal([600.0, 540.0], understood["timelimit"]!.AsArray().Select(t => t!.GetValue<double>()));
            Assert.Equal(["interop.describe"], understood["chain"]!.AsArray().Select(c => c!.GetValue<string>()));
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    private Process StartCeleryWorker(string queue)
    {
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            WorkingDirectory = Path.Combine(RepositoryRoot.Path, "tools", "celery"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-m", "celery", "-A", "interop_app", "worker", "--pool", "solo", "--concurrency", "1", "-Q", queue, "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle" })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["AFIRGEN_INTEROP_REDIS"] = $"redis://127.0.0.1:{redis.Server.Port}";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
