using Afirgen.TaskProcessor.Engine.Hosting;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Afirgen.TaskProcessor.Functions.Telemetry;

/// <summary>OpenTelemetry from the worker to Application Insights (host.json sets <c>telemetryMode</c> to match).</summary>
internal static class TelemetryRegistration
{
    /// <summary>
    /// Exports the worker's traces, metrics and logs to Application Insights when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (in Azure; locally nothing is exported). Local
    /// authentication is off on the component, so the exporter authenticates as the app's identity.
    /// </summary>
    public static TaskProcessorBuilder AddAzureMonitorTelemetry(this TaskProcessorBuilder processor) =>
        processor.Add(TaskProcessorStage.Telemetry, p => Add(p.Host, p.ActivitySources, p.Meters));

    private static void Add(IHostApplicationBuilder builder, IEnumerable<string> sources, IEnumerable<string> meters)
    {
        var connectionString = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }
        var clientId = builder.Configuration["AZURE_CLIENT_ID"];
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            // Every chosen part's spans (enqueue → run, trace context in the Celery headers) and metrics.
            .WithTracing(tracing => tracing.AddSource([.. sources]))
            .WithMetrics(metrics => metrics.AddMeter([.. meters]))
            .UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
            });
    }
}
