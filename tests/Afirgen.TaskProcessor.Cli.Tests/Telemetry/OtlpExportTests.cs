using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Cli.Tests.Monitoring;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Cli.Tests.Telemetry;

/// <summary>
/// The local host exports over OTLP as OpenTelemetry's standard variables say, to a real OTLP/HTTP receiver
/// (<c>http/protobuf</c>, a collector's port 4318): one task's <c>create</c> span and its <c>process</c> child, the
/// task metrics, the resource from <c>OTEL_SERVICE_NAME</c> and <c>OTEL_RESOURCE_ATTRIBUTES</c>, and the headers
/// from <c>OTEL_EXPORTER_OTLP_HEADERS</c>; configured by the base endpoint, by this host's own setting, or per signal.
/// </summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("TaskProcessor:Telemetry:OtlpEndpoint")]
    [InlineData("per signal")]
    public async Task Export_OverOtlpHttp_CarriesATasksCreateAndProcessSpans_AndItsMetrics(string configuredBy)
    {
        await using var receiver = await OtlpHttpReceiver.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var settings = new Dictionary<string, string?>
        {
            ["TaskProcessor:LocalHost:Urls"] = url,
            ["TaskProcessor:Redis:Configuration"] = redis.Configuration,
            ["Logging:LogLevel:Default"] = "Warning",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=afirgen-test",
            ["OTEL_SERVICE_NAME"] = "afirgen-tasks-otlp-test",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test,service.name=overridden-by-OTEL_SERVICE_NAME",
            // Export within the test's patience: metrics every half second, spans batched for 200 ms.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        var (tracesPath, metricsPath) = ("/v1/traces", "/v1/metrics");
        switch (configuredBy)
        {
            case "per signal":
                // Full URLs, used as given (no /v1/… appended).
                (tracesPath, metricsPath) = ("/collector/spans", "/collector/metrics");
                settings["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.BaseUrl + tracesPath;
                settings["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = receiver.BaseUrl + metricsPath;
                break;
            default:
                settings[configuredBy] = receiver.BaseUrl;
                break;
        }
        await using var app = LocalHostApp.Build(settings);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            using var posted = await http.PostAsJsonAsync("/api/tasks", new { name = "diagnostics.echo", kwargs = new { fir_id = "FIR-OTLP" } });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            var id = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

            // The producer span and the run's span, one trace, the run a child of the creation.
            var pair = await Eventually.ValueAsync(() =>
            {
                var spans = receiver.Requests.Where(r => r.Path == tracesPath).SelectMany(r => OtlpDecoder.Spans(r.Body))
                    .Where(s => s.Attributes.TryGetValue("messaging.message.id", out var m) && m == id).ToArray();
                var create = spans.FirstOrDefault(s => s.Name == "create diagnostics.echo");
                var process = spans.FirstOrDefault(s => s.Name == "process diagnostics.echo");
                return Task.FromResult(create is null || process is null ? null : new[] { create, process });
            }, $"the create and process spans of task {id} at {tracesPath}");
            var (created, processed) = (pair[0], pair[1]);
            Assert.Equal(created.TraceId, processed.TraceId);
            Assert.Equal(created.SpanId, processed.ParentSpanId);
            Assert.Equal((4, 5), (created.Kind, processed.Kind)); // producer, consumer
            Assert.Equal(("Afirgen.TaskProcessor", "celery", "default"), (processed.Scope, processed.Attributes["messaging.system"], processed.Attributes["messaging.destination.name"]));
            Assert.Equal("afirgen-tasks-otlp-test", processed.Resource["service.name"]);
            Assert.Equal("test", processed.Resource["deployment.environment"]);

            // The task metrics, with the run counted by task and outcome.
            var metrics = await Eventually.ValueAsync(() =>
            {
                var exported = receiver.Requests.Where(r => r.Path == metricsPath).SelectMany(r => OtlpDecoder.Metrics(r.Body)).ToArray();
                return Task.FromResult(exported.Any(m => m.Name == "afirgen.tasks.runs"
                    && m.Points.Any(p => p.GetValueOrDefault("celery.task_name") == "diagnostics.echo" && p.GetValueOrDefault("outcome") == "succeeded"))
                    ? exported : null);
            }, $"afirgen.tasks.runs for diagnostics.echo at {metricsPath}");
            Assert.Equal("sum", metrics.First(m => m.Name == "afirgen.tasks.runs").Kind);
            Assert.Equal("histogram", metrics.First(m => m.Name == "afirgen.tasks.run.duration").Kind);
            Assert.Contains(metrics, m => m.Name == "afirgen.tasks.queue.wait");
            Assert.Contains(metrics, m => m.Name == "afirgen.tasks.in_flight");
            Assert.All(metrics.Where(m => m.Scope == "Afirgen.TaskProcessor"), m => Assert.Equal("afirgen-tasks-otlp-test", m.Resource["service.name"]));

            // OTLP/HTTP as the protocol variable asked, with the headers variable's header.
            var exports = receiver.Requests.Where(r => r.Path == tracesPath || r.Path == metricsPath).ToArray();
            Assert.All(exports, r => Assert.Equal("application/x-protobuf", r.ContentType));
            Assert.All(exports, r => Assert.Equal("afirgen-test", r.Headers.GetValueOrDefault("x-tenant")));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
