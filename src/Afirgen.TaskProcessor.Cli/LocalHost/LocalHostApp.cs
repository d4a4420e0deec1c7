using Afirgen.TaskProcessor.Api;
using Afirgen.TaskProcessor.Cli.LocalHost.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>
/// The local host: the engine and the AFIRGen tasks on its broker (by default Celery's Redis transport), with the HTTP API. What
/// <c>afirgen-tasks run</c> starts, and what the end-to-end tests start in-process.
/// </summary>
public static class LocalHostApp
{
    /// <summary>Builds the host. <paramref name="overrides"/> (from command-line options) win over every other source.</summary>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> overrides, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(overrides);

        var local = builder.Configuration.GetSection(LocalHostOptions.Section).Get<LocalHostOptions>() ?? new LocalHostOptions();
        builder.WebHost.UseUrls(local.Urls);
        // No server-side cap: the API's body reader refuses a body past its own limit with a 413 problem, and
        // Kestrel then drains the rest (for at most 5 s) so the client reads that answer instead of a reset.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.AddLocalHostAccess();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = local.ShutdownGracePeriod);

        builder.AddLocalEngine();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseLocalHostAccess();
        app.MapTaskProcessorApi();
        app.MapLocalTelemetry();
        return app;
    }
}
