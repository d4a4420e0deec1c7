using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.RedisBroker.Hosting;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// The engine as this machine runs it: Celery's Redis transport as a durable broker (see <see cref="LocalBroker"/>;
/// the embedded in-memory broker only when asked for), pull consumers, the registered tasks.
/// </summary>
internal static class LocalEngineRegistration
{
    /// <summary>Used by <c>run</c> and by <c>bench</c>, so the benchmark measures what the local host runs.</summary>
    public static IHostApplicationBuilder AddLocalEngine(this IHostApplicationBuilder builder)
    {
        builder.AddRedisStores();
        builder.AddTaskEngine();
        var broker = LocalBroker.Resolve(builder.Configuration);
        if (broker.InMemory)
        {
            builder.Services.AddEmbeddedBroker();
        }
        else
        {
            builder.AddRedisBroker();
            // Without a URL of its own, the queues live on the results' Redis; with no Redis at all, the
            // transport's start-up check refuses (and `run` has already said what to pass).
            if (broker.RedisUrl is { } url)
            {
                builder.Services.PostConfigure<RedisBrokerOptions>(o => o.Url = string.IsNullOrWhiteSpace(o.Url) ? url : o.Url);
            }
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

}
