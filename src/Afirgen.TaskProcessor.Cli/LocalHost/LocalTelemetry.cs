using Afirgen.TaskProcessor.Engine.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// OpenTelemetry for the local host: the engine's metrics on a Prometheus scrape endpoint (<c>GET /metrics</c>),
/// and traces, metrics and logs over OTLP when an endpoint is configured, the way every OpenTelemetry SDK is
/// configured: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a signal's own <c>…_TRACES_ENDPOINT</c>,
/// <c>…_METRICS_ENDPOINT</c>, <c>…_LOGS_ENDPOINT</c>), <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c>, or
/// <c>http/protobuf</c> for a collector on 4318), <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>. <c>TaskProcessor:Telemetry:OtlpEndpoint</c> stands for the endpoint variable.
/// </summary>
internal static class LocalTelemetry
{
    private const string Section = "TaskProcessor:Telemetry";
    private const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Any of these set means "export over OTLP"; the exporter reads them (and the rest) itself.</summary>
    private static readonly string[] EndpointVariables =
        [EndpointVariable, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    /// <summary>Exports the sources and meters of every chosen part (<see cref="TaskProcessorBuilder.ActivitySources"/>, <see cref="TaskProcessorBuilder.Meters"/>).</summary>
    public static TaskProcessorBuilder AddLocalTelemetry(this TaskProcessorBuilder processor) =>
        processor.Add(TaskProcessorStage.Telemetry, p => Add(p.Host, p.ActivitySources, p.Meters));

    private static void Add(IHostApplicationBuilder builder, IEnumerable<string> sources, IEnumerable<string> meters)
    {
        var prometheus = builder.Configuration.GetValue($"{Section}:Prometheus", true);
        if (builder.Configuration[$"{Section}:OtlpEndpoint"] is { Length: > 0 } ours)
        {
            // Our setting stands for the standard variable (and wins over it, as it always has). Handing it over as
            // that variable lets the exporter treat it as one: with http/protobuf it appends /v1/traces and
            // /v1/metrics to a base endpoint, which an endpoint set in code would not get.
            builder.Configuration.AddInMemoryCollection([new(EndpointVariable, ours)]);
        }
        var otlp = EndpointVariables.Any(v => !string.IsNullOrWhiteSpace(builder.Configuration[v]));
        if (!prometheus && !otlp)
        {
            return;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            // A default name; OTEL_RESOURCE_ATTRIBUTES and then OTEL_SERVICE_NAME, read after it, win over it.
            .ConfigureResource(r => r.AddService("afirgen-tasks").AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. meters]);
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (otlp)
        {
            // Traces only when they have somewhere to go: with no listener the engine creates no spans.
            telemetry.WithTracing(tracing => tracing.AddSource([.. sources]).AddAspNetCoreInstrumentation());
            // No arguments: the exporter then reads every OTEL_EXPORTER_OTLP_* setting from the host's configuration
            // (environment variables included), protocol and per-signal endpoints too. Passing a protocol here, as
            // this host once did (gRPC), overrode OTEL_EXPORTER_OTLP_PROTOCOL and sent an OTLP/HTTP collector nothing.
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>Maps <c>/metrics</c> when the Prometheus exporter is on.</summary>
    public static WebApplication MapLocalTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue($"{Section}:Prometheus", true))
        {
            app.MapPrometheusScrapingEndpoint();
        }
        return app;
    }
}
