using Afirgen.TaskProcessor.Cli.LocalHost;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Tests.Routing;

/// <summary>
/// The Functions app answers at the same paths, with the same methods, as the local host: the API, Flower's
/// routes and the dashboard at <c>/</c>. A request must get through both routers a Functions app has (the
/// host's, then the isolated worker's), to exactly one function.
/// </summary>
public sealed class RouteParityTests
{
    // Served by the local host alone, on purpose: Prometheus scrapes the local host; the Functions app sends
    // its metrics to Azure Monitor instead.
    private static readonly HashSet<string> LocalOnly = new(StringComparer.Ordinal) { "/metrics" };

    private static async Task<IReadOnlyList<(string Name, RoutePattern Pattern, IReadOnlyList<string> Methods)>> LocalHostEndpointsAsync()
    {
        await using var app = LocalHostApp.Build(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "None" });
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Name: e.RoutePattern.RawText ?? "", e.RoutePattern, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .ToArray();
    }

    private static Task<EndpointRouter> WorkerRouterAsync() =>
        EndpointRouter.StartAsync(FunctionsAppRoutes.Functions.Select(f =>
        {
            var endpoint = FunctionsAppRoutes.WorkerEndpoint(f);
            return (f.Name, endpoint.RoutePattern, endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? (IReadOnlyList<string>)[]);
        }));

    [Fact]
    public async Task EveryRouteOfTheLocalHost_ReachesExactlyOneFunction_ThroughTheHostAndTheWorker()
    {
        var local = await LocalHostEndpointsAsync();
        Assert.Contains(local, e => e.Pattern.RawText == "/");
        Assert.Contains(local, e => e.Pattern.RawText == "/api/task/info/{id}");
        await using var worker = await WorkerRouterAsync();

        var checkedRoutes = 0;
        foreach (var (name, pattern, methods) in local.Where(e => !LocalOnly.Contains(e.Name)))
        {
            var path = EndpointRouter.SamplePath(pattern);
            foreach (var method in methods)
            {
                var host = await FunctionsAppRoutes.HostMatchesAsync(method, path);
                Assert.True(host.Count == 1,
                    $"{method} {path} (the local host's {name}) reaches {host.Count} functions in the Functions host: {string.Join(", ", host.Select(h => h.Function.Name))}");
                var function = host[0].Function;
                Assert.True(await worker.MatchAsync(method, path) is not null,
                    $"{method} {path} reaches function {function.Name} in the host, but the worker's router has no endpoint for it");
                checkedRoutes++;
            }
        }
        // As many local routes as functions (each reached by one): neither side serves a route the other lacks.
        Assert.Equal(FunctionsAppRoutes.Functions.Sum(f => f.Methods.Count), checkedRoutes);

        // The comparison can tell a route apart: the local host's own /metrics reaches no function.
        Assert.Empty(await FunctionsAppRoutes.HostMatchesAsync("GET", "/metrics"));
        Assert.Null(await worker.MatchAsync("GET", "/metrics"));
    }

    [Fact]
    public async Task EveryFunction_AnswersAtAPathAndMethodTheLocalHostAnswers()
    {
        await using var local = await EndpointRouter.StartAsync(await LocalHostEndpointsAsync());
        Assert.NotEmpty(FunctionsAppRoutes.Functions);
        foreach (var function in FunctionsAppRoutes.Functions)
        {
            var path = EndpointRouter.SamplePath(RoutePatternFactory.Parse(FunctionsAppRoutes.HostTemplate(function)));
            Assert.NotEmpty(function.Methods);
            foreach (var method in function.Methods)
            {
                Assert.True(await local.MatchAsync(method.ToUpperInvariant(), path) is not null,
                    $"function {function.Name} answers {method.ToUpperInvariant()} {path}, which the local host does not");
            }
        }
    }

    [Fact]
    public async Task TheDashboard_IsAtTheRoot_WithNoRoutePrefix_AndTheRootIsNotACatchAll()
    {
        Assert.Equal("", FunctionsAppRoutes.RoutePrefix);
        Assert.Equal("Dashboard", Assert.Single(await FunctionsAppRoutes.HostMatchesAsync("GET", "/")).Function.Name);
        Assert.Equal("DashboardAsset", Assert.Single(await FunctionsAppRoutes.HostMatchesAsync("GET", "/dashboard/app.js")).Function.Name);
        Assert.Empty(await FunctionsAppRoutes.HostMatchesAsync("GET", "/no-such-page"));
        Assert.Empty(await FunctionsAppRoutes.HostMatchesAsync("POST", "/"));
        await using var worker = await WorkerRouterAsync();
        Assert.Equal("Dashboard", await worker.MatchAsync("GET", "/"));
        Assert.Null(await worker.MatchAsync("GET", "/no-such-page"));
    }

    [Fact]
    public void TheDataApi_KeepsFunctionKeys_AndOnlyTheDashboardFilesAreAnonymous()
    {
        var open = FunctionsAppRoutes.Functions.Where(f => f.AuthLevel != AuthorizationLevel.Function).ToArray();
        Assert.Equal(["Dashboard", "DashboardAsset"], open.Select(f => f.Name));
        Assert.All(open, f => Assert.Equal(AuthorizationLevel.Anonymous, f.AuthLevel));
        Assert.All(open, f => Assert.DoesNotContain("api", FunctionsAppRoutes.HostTemplate(f), StringComparison.OrdinalIgnoreCase));
        Assert.All(FunctionsAppRoutes.Functions.Except(open), f => Assert.StartsWith("api/", FunctionsAppRoutes.HostTemplate(f), StringComparison.Ordinal));
    }

    [Fact]
    public void NoRoute_IsBlankOrInTheHostsOwnAdminOrRuntimeSpace()
    {
        Assert.All(FunctionsAppRoutes.Functions, f =>
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Route), $"{f.Name} has no route: the host would serve it at its name");
            FunctionsAppRoutes.HostTemplate(f); // throws for admin/… and runtime/…
        });
        Assert.Throws<InvalidOperationException>(() => FunctionsAppRoutes.HostTemplate(new HttpFunction("X", "admin/x", ["get"], AuthorizationLevel.Function)));
    }

    [Fact]
    public void ARouteOfSlash_WouldBreakTheWorkersRouting_WhichIsWhyTheRootUsesAnEmptyOptionalParameter()
    {
        // With no prefix, the worker maps "{prefix}/{route}": "/" becomes "//", which ASP.NET Core refuses.
        Assert.Throws<RoutePatternException>(() => FunctionsAppRoutes.WorkerEndpoint(new HttpFunction("Root", "/", ["get"], AuthorizationLevel.Anonymous), ""));
        Assert.Equal("/{root:maxlength(0)?}", FunctionsAppRoutes.WorkerEndpoint(FunctionsAppRoutes.Functions.Single(f => f.Name == "Dashboard")).RoutePattern.RawText);
    }
}
