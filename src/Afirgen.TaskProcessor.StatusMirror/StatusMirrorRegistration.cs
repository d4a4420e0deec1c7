using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>Registers the status mirror with a host that has the engine.</summary>
public static class StatusMirrorRegistration
{
    /// <summary>
    /// Adds the mirror when a MySQL connection is configured (<c>TaskProcessor:StatusMirror:ConnectionString</c>,
    /// else <c>Afirgen:Database:ConnectionString</c>); otherwise adds nothing and returns false. Both hosts call this.
    /// </summary>
    public static bool AddAfirgenStatusMirror(this IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue(StatusMirrorOptions.Section + ":Enabled", true))
        {
            return false;
        }
        var connectionString = builder.Configuration[StatusMirrorOptions.Section + ":ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // The same database the AFIRGen tasks read (background_tasks sits beside fir_records).
            connectionString = builder.Configuration["Afirgen:Database:ConnectionString"];
        }
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        var services = builder.Services;
        services.AddValidatedOptions<StatusMirrorOptions, StatusMirrorOptionsValidator>(StatusMirrorOptions.Section)
            .PostConfigure(o => o.ConnectionString = connectionString);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StatusMirrorMetrics>();
        services.TryAddSingleton(sp => new MirrorDatabase(sp.GetRequiredService<IOptions<StatusMirrorOptions>>()));
        services.TryAddSingleton<StatusMirror>();
        services.AddSingleton<ITaskObserver>(sp => sp.GetRequiredService<StatusMirror>());
        services.TryAddSingleton(sp => new StatusMirrorReconciler(
            sp.GetRequiredService<IResultStore>(), sp.GetRequiredService<MirrorDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => new StatusMirrorWriter(
            sp.GetRequiredService<StatusMirror>(), sp.GetRequiredService<MirrorDatabase>(), sp.GetRequiredService<StatusMirrorReconciler>(),
            sp.GetRequiredService<StatusMirrorMetrics>(), sp.GetRequiredService<IOptions<StatusMirrorOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StatusMirrorWriter>>()));
        return true;
    }

    /// <summary>
    /// Keeps AFIRGen's <c>background_tasks</c> table as its Celery workers did, when a MySQL connection is configured
    /// (<see cref="AddAfirgenStatusMirror(IHostApplicationBuilder)"/>); its meter then joins the processor's.
    /// </summary>
    public static TaskProcessorBuilder AddAfirgenStatusMirror(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.Add(TaskProcessorStage.Application, p =>
        {
            if (p.Host.AddAfirgenStatusMirror())
            {
                p.Meters.Add(StatusMirrorMetrics.MeterName);
            }
        });
    }
}
