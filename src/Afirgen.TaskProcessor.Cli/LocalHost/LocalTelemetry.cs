using Afirgen.TaskProcessor.Engine.Telemetry;
using Afirgen.TaskProcessor.StatusMirror;
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
/// OpenTelemetry for the local host: the engine's metrics on a Prometheus scrape endpoint
/// (<c>GET /metrics</c>), and traces and metrics over OTLP when an endpoint is configured
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, the standard variable, or <c>TaskProcessor:Telemetry:OtlpEndpoint</c>).
/// </summary>
internal static class LocalTelemetry
{
    private const string Section = "TaskProcessor:Telemetry";

    public static IHostApplicationBuilder AddLocalTelemetry(this IHostApplicationBuilder builder)
    {
        var prometheus = builder.Configuration.GetValue($"{Section}:Prometheus", true);
        var otlp = builder.Configuration[$"{Section}:OtlpEndpoint"] ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!prometheus && string.IsNullOrWhiteSpace(otlp))
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("afirgen-tasks"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TaskTelemetry.Name, StatusMirrorMetrics.MeterName);
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            // Traces only when they have somewhere to go: with no listener the engine creates no spans.
            telemetry.WithTracing(tracing => tracing.AddSource(TaskTelemetry.Name).AddAspNetCoreInstrumentation());
            telemetry.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, new Uri(otlp));
        }
        return builder;
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
