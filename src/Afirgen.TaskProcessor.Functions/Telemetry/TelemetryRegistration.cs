using Afirgen.TaskProcessor.Engine.Telemetry;
using Afirgen.TaskProcessor.StatusMirror;
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
    public static IHostApplicationBuilder AddAzureMonitorTelemetry(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }
        var clientId = builder.Configuration["AZURE_CLIENT_ID"];
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            // The engine's spans (enqueue → run, trace context in the Celery headers) and metrics, and the status mirror's.
            .WithTracing(tracing => tracing.AddSource(TaskTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(TaskTelemetry.Name, StatusMirrorMetrics.MeterName))
            .UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
            });
        return builder;
    }
}
