using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// Test-only middleware in front of a local host: records each request to <c>/api</c> with the key header, the
/// Origin and the content type it carried, so a browser test can see what the dashboard really sent (a local host
/// without a key ignores the key header).
/// </summary>
public sealed class ApiRequestLog : IStartupFilter
{
    private readonly ConcurrentQueue<ApiRequest> _requests = new();

    public IReadOnlyList<ApiRequest> Requests => _requests.ToArray();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/api"))
            {
                _requests.Enqueue(new ApiRequest(request.Method, request.Path + request.QueryString,
                    request.Headers["x-functions-key"].ToString(), request.Headers.UserAgent.ToString(),
                    request.Headers.Origin.ToString(), request.ContentType ?? ""));
            }
            await nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>One request to the API as it arrived.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query string.</param>
/// <param name="FunctionKey">The <c>x-functions-key</c> header; empty when there was none.</param>
/// <param name="UserAgent">Who sent it (the browser, or the test's own HttpClient).</param>
/// <param name="Origin">The <c>Origin</c> header; empty when there was none.</param>
/// <param name="ContentType">The <c>Content-Type</c> header; empty when there was none.</param>
public sealed record ApiRequest(string Method, string PathAndQuery, string FunctionKey, string UserAgent, string Origin, string ContentType);
