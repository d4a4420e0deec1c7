using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Api;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.RedisBroker.Hosting;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// The processor as this machine runs it: Celery's Redis transport as a durable broker (see <see cref="LocalBroker"/>;
/// the embedded in-memory broker only when asked for), results in Redis, the registered tasks, the API.
/// </summary>
internal static class LocalEngineRegistration
{
    /// <summary>Used by <c>run</c> and by <c>bench</c>, so the benchmark measures what the local host runs.</summary>
    public static IHostApplicationBuilder AddLocalEngine(this IHostApplicationBuilder builder)
    {
        var broker = LocalBroker.Resolve(builder.Configuration);
        // begin-snippet: local-host-composition
        builder.AddTaskProcessor(p =>
        {
            if (broker.InMemory)
            {
                p.UseInMemoryBroker();
            }
            else
            {
                // Without a URL of its own, the queues live on the results' Redis; with no Redis at all, the
                // transport's start-up check refuses (and `run` has already said what to pass).
                p.UseRedisBroker(broker.RedisUrl);
            }
            p.UseRedisResults()
                .AddDiagnosticTasks()
                // AFIRGen's tasks; with appsettings.json's Afirgen:Demo:Enabled, unconfigured back-ends get local stand-ins.
                .AddAfirgenTasks()
                .RunSchedule()
                .AddAfirgenStatusMirror()
                .AddTaskProcessorApi()
                .AddLocalTelemetry();
        });
        // end-snippet
        return builder;
    }
}
