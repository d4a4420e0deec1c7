using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Telemetry;

/// <summary>One trace from producer through queue to run and on to child tasks; metrics by outcome.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class TaskTelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    private readonly RedisFixture redis;

    public TaskTelemetryTests(RedisFixture redis)
    {
        this.redis = redis;
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TaskTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _spans.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TaskTelemetry.Name) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meters.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));

    [Fact]
    public async Task ATraceSpansTheProducerTheRunAndTheChildTask()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration, s =>
        {
            s.AddTask("test.parent", async ctx =>
            {
                await ctx.EnqueueAsync(DiagnosticTasks.Echo);
                return null;
            });
        });

        using var request = new Activity("http request").Start(); // the caller's own span, e.g. an HTTP request
        var published = await h.Publisher.PublishAsync(new TaskRequest { TaskName = "test.parent" }, CancellationToken.None);
        request.Stop();

        // The trace context travels in the message headers, where Celery's instrumentation puts it.
        var delivery = await h.ReceiveAsync();
        var parsed = ((ParseOutcome.Parsed)new CeleryMessageParser(Options.Create(new MessageOptions())).Parse(delivery.Message.Body)).Message;
        var traceParent = parsed.ExtraHeaders["traceparent"]!.GetValue<string>();
        Assert.Contains(request.TraceId.ToHexString(), traceParent);
        await h.Runner.RunAsync(delivery, CancellationToken.None);
        await h.RunNextAsync();

        var spans = _spans.Where(s => s.TraceId == request.TraceId).ToArray();
        var parentRun = Assert.Single(spans, s => s.DisplayName == "process test.parent");
        var childCreate = Assert.Single(spans, s => s.DisplayName == "create " + DiagnosticTasks.Echo);
        var childRun = Assert.Single(spans, s => s.DisplayName == "process " + DiagnosticTasks.Echo);
        Assert.Equal(ActivityKind.Consumer, parentRun.Kind);
        Assert.Equal(childCreate.SpanId, childRun.ParentSpanId);
        Assert.Equal(parentRun.SpanId, childCreate.ParentSpanId);
        Assert.Equal(published.TaskId, parentRun.GetTagItem("messaging.message.id"));
        Assert.Equal(ActivityStatusCode.Ok, childRun.Status);
    }

    [Fact]
    public async Task Metrics_CountRunsByOutcome_AndDeadLetters()
    {
        await using var h = EngineHarness.Create(redis.Server.Configuration);
        await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Echo }, CancellationToken.None);
        await h.Publisher.PublishAsync(new TaskRequest { TaskName = DiagnosticTasks.Fail, Kwargs = new JsonObject { ["message"] = "bad FIR id" } }, CancellationToken.None);
        await h.RunNextAsync();
        await h.RunNextAsync();

        var runs = _measurements.Where(m => m.Name == "afirgen.tasks.runs").ToArray();
        Assert.Contains(runs, m => (string?)m.Tags["celery.task_name"] == DiagnosticTasks.Echo && (string?)m.Tags["outcome"] == "succeeded");
        Assert.Contains(runs, m => (string?)m.Tags["celery.task_name"] == DiagnosticTasks.Fail && (string?)m.Tags["outcome"] == "failed");
        Assert.Contains(_measurements, m => m.Name == "afirgen.tasks.dead_lettered" && (string?)m.Tags["reason"] == "TaskFailed");
        Assert.Contains(_measurements, m => m.Name == "afirgen.tasks.queue.wait" && m.Value >= 0);
        Assert.Contains(_measurements, m => m.Name == "afirgen.tasks.run.duration");
        // In flight goes up and back down.
        Assert.Equal(0, _measurements.Where(m => m.Name == "afirgen.tasks.in_flight").Sum(m => m.Value));
        Assert.Contains(_spans, s => s.DisplayName == "process " + DiagnosticTasks.Fail && s.Status == ActivityStatusCode.Error);
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
