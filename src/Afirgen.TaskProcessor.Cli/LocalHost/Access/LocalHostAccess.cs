using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// Who may use the local host's API: same-origin browsers, allowed Host names, and the API key when set (or
/// required, beyond loopback). These live here, not in the shared Api project, because they are this host's
/// concern alone: the Functions app's <c>api/</c> functions already demand a function key that no other site's
/// page holds, App Service routes only its own host names to the app, and its CORS is an App Service setting.
/// What both hosts need (a JSON body, its size, its fields) is checked in the Api project.
/// </summary>
internal static class LocalHostAccess
{
    public static WebApplicationBuilder AddLocalHostAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LocalHostOptions>().BindConfiguration(LocalHostOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalHostOptions>, LocalHostOptionsValidator>());
        var origins = AllowedOrigins(builder.Configuration);
        if (origins.Count > 0)
        {
            // CORS only for the origins listed: their pages may call the API (the key, when set, still applies).
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. origins]).WithMethods("GET", "POST").WithHeaders("content-type", ApiKeyCheck.Header)));
        }
        return builder;
    }

    public static WebApplication UseLocalHostAccess(this WebApplication app)
    {
        if (AllowedOrigins(app.Configuration).Count > 0)
        {
            // First, so an allowed origin's preflight (which carries no key) is answered.
            app.UseCors();
        }
        app.UseMiddleware<LocalHostAccessMiddleware>();
        return app;
    }

    private static IReadOnlyList<string> AllowedOrigins(IConfiguration configuration) =>
        LocalHostOptions.Entries(configuration[$"{LocalHostOptions.Section}:{nameof(LocalHostOptions.AllowedOrigins)}"]);
}
