using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.RedisBroker.Hosting;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// The engine as this machine runs it: the embedded broker (or Celery's Redis broker when
/// <c>TaskProcessor:RedisBroker:Url</c> is set), pull consumers, the registered tasks.
/// </summary>
internal static class LocalEngineRegistration
{
    /// <summary>Used by <c>run</c> and by <c>bench</c>, so the benchmark measures what the local host runs.</summary>
    public static IHostApplicationBuilder AddLocalEngine(this IHostApplicationBuilder builder)
    {
        builder.AddTaskEngine();
        if (UsesRedisBroker(builder.Configuration))
        {
            builder.AddRedisBroker();
        }
        else
        {
            builder.Services.AddEmbeddedBroker();
        }
        builder.Services.AddQueueConsumers();
        builder.Services.AddDiagnosticTasks();
        // AFIRGen's tasks; with appsettings.json's Afirgen:Demo:Enabled, unconfigured back-ends get local stand-ins.
        builder.AddAfirgenTasks();
        builder.Services.AddTaskScheduleService();
        builder.AddAfirgenStatusMirror();
        builder.AddLocalTelemetry();
        return builder;
    }

    /// <summary>Whether a Redis broker URL is configured; otherwise the embedded broker is the zero-set-up default.</summary>
    public static bool UsesRedisBroker(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisBrokerOptions.Section}:Url"]);
}
