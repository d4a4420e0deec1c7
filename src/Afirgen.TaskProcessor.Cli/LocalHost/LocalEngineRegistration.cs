using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>The engine as this machine runs it: embedded broker, pull consumers, the registered tasks.</summary>
internal static class LocalEngineRegistration
{
    /// <summary>Used by <c>run</c> and by <c>bench</c>, so the benchmark measures what the local host runs.</summary>
    public static IHostApplicationBuilder AddLocalEngine(this IHostApplicationBuilder builder)
    {
        builder.AddTaskEngine();
        builder.Services.AddEmbeddedBroker();
        builder.Services.AddQueueConsumers();
        builder.Services.AddDiagnosticTasks();
        // AFIRGen's tasks; with appsettings.json's Afirgen:Demo:Enabled, unconfigured back-ends get local stand-ins.
        builder.AddAfirgenTasks();
        builder.Services.AddTaskScheduleService();
        builder.AddAfirgenStatusMirror();
        builder.AddLocalTelemetry();
        return builder;
    }
}
