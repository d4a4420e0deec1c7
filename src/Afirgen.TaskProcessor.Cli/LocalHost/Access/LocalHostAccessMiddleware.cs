using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// The local host's gate, in front of every route: cross-site state changes (403), then unknown Host names
/// (421), then the API key when one is set (401). Built when the host starts, after its options were checked.
/// </summary>
internal sealed class LocalHostAccessMiddleware(RequestDelegate next, IOptions<LocalHostOptions> options, ILogger<LocalHostAccessMiddleware> logger)
{
    private readonly SameOriginCheck _origin = new(options.Value);
    private readonly AllowedHostCheck _host = new(options.Value);
    private readonly ApiKeyCheck _key = new(options.Value);

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (_origin.Check(request) is { } crossSite)
        {
            LocalHostLog.CrossSiteRefused(logger, request.Method, request.Path.ToString(), request.Headers.Origin.ToString());
            return crossSite.ExecuteAsync(context);
        }
        if (_host.Check(request) is { } misdirected)
        {
            LocalHostLog.HostRefused(logger, request.Method, request.Path.ToString(), request.Host.Host);
            return misdirected.ExecuteAsync(context);
        }
        if (_key.Check(request) is { } unauthorized)
        {
            LocalHostLog.KeyRefused(logger, request.Method, request.Path.ToString());
            return unauthorized.ExecuteAsync(context);
        }
        return next(context);
    }
}
