using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.TestHost;

namespace Afirgen.TaskProcessor.Functions.Tests.Routing;

/// <summary>
/// ASP.NET Core's endpoint routing over a set of route patterns and methods, in a test server: each endpoint
/// answers with its name, so a request shows which endpoint (if any) the real matcher picks.
/// </summary>
public sealed class EndpointRouter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private EndpointRouter(WebApplication app)
    {
        _app = app;
        _client = app.GetTestClient();
    }

    public static async Task<EndpointRouter> StartAsync(IEnumerable<(string Name, RoutePattern Pattern, IReadOnlyList<string> Methods)> endpoints)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.UseRouting();
        var answering = endpoints.Select((e, i) =>
        {
            var metadata = e.Methods.Count > 0 ? new EndpointMetadataCollection(new HttpMethodMetadata(e.Methods)) : EndpointMetadataCollection.Empty;
            return (Endpoint)new RouteEndpoint(context => context.Response.WriteAsync(e.Name), e.Pattern, 0, metadata, e.Name);
        }).ToArray();
        ((IEndpointRouteBuilder)app).DataSources.Add(new DefaultEndpointDataSource(answering));
        await app.StartAsync();
        return new EndpointRouter(app);
    }

    /// <summary>The name of the endpoint that takes <paramref name="method"/> <paramref name="path"/>, or null (404 or 405).</summary>
    public async Task<string?> MatchAsync(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    /// <summary>
    /// A concrete path <paramref name="pattern"/> takes: each parameter gets a sample value, a catch-all a file
    /// name, and an optional parameter is left out.
    /// </summary>
    public static string SamplePath(RoutePattern pattern)
    {
        var segments = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternSeparatorPart separator => separator.Content,
                RoutePatternParameterPart { IsOptional: true } => "",
                RoutePatternParameterPart { IsCatchAll: true } => "app.js",
                RoutePatternParameterPart parameter => "sample-" + parameter.Name,
                _ => throw new InvalidOperationException($"Unexpected route part {part} in {pattern.RawText}."),
            }));
            if (text.Length > 0)
            {
                segments.Add(text);
            }
        }
        return "/" + string.Join('/', segments);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }
}
