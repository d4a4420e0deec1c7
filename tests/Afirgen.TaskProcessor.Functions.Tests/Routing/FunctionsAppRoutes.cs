using System.Reflection;
using System.Text.Json;
using Afirgen.TaskProcessor.Functions.Http;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Functions.Tests.Routing;

/// <summary>One HTTP function of the app, from its <c>[Function]</c> and <c>[HttpTrigger]</c> attributes.</summary>
public sealed record HttpFunction(string Name, string? Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel);

/// <summary>
/// The app's HTTP functions and how a request reaches one in Azure: first the Functions host routes it (to
/// pick the function and check its key), then it is proxied to the isolated worker, whose ASP.NET Core
/// routing must match it again. Both rules are the real ones: the worker's by calling the extension's own code,
/// the host's rebuilt from its source, which cannot be referenced here.
/// </summary>
public static class FunctionsAppRoutes
{
    /// <summary>Every HTTP function in the app's Http/ folder.</summary>
    public static IReadOnlyList<HttpFunction> Functions { get; } = typeof(DashboardFunctions).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(DashboardFunctions).Namespace)
        .SelectMany(t => t.GetMethods())
        .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
        .Where(f => f.Function is not null && f.Trigger is not null)
        .Select(f => new HttpFunction(f.Function!.Name, f.Trigger!.Route, f.Trigger.Methods ?? [], f.Trigger.AuthLevel))
        .OrderBy(f => f.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>host.json's <c>extensions.http.routePrefix</c>; the host's default ("api") when it sets none.</summary>
    public static string RoutePrefix { get; } = ReadRoutePrefix();

    private static string ReadRoutePrefix()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")));
        return hostJson.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("http", out var http) &&
            http.TryGetProperty("routePrefix", out var prefix) ? prefix.GetString()! : "api";
    }

    /// <summary>
    /// The route template the Functions host maps for <paramref name="function"/> (azure-functions-host,
    /// <c>ScriptHost.ValidateHttpFunction</c> and azure-webjobs-sdk-extensions, <c>WebJobsRouteBuilder.BuildRouteTemplate</c>):
    /// a blank route becomes the function's name; a route in the host's own <c>admin</c> or <c>runtime</c>
    /// space stops the host; the prefix, when not empty, goes in front with a slash.
    /// </summary>
    public static string HostTemplate(HttpFunction function)
    {
        var route = string.IsNullOrWhiteSpace(function.Route) ? function.Name : function.Route;
        var reserved = route.Trim('/').ToLowerInvariant();
        if (reserved.StartsWith("admin", StringComparison.Ordinal) || reserved.StartsWith("runtime", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Function {function.Name}: the specified route '{route}' conflicts with the host's built-in routes.");
        }
        return string.IsNullOrEmpty(RoutePrefix) ? route : RoutePrefix + "/" + route;
    }

    /// <summary>
    /// The functions whose host route takes <paramref name="method"/> <paramref name="path"/>, each with its route
    /// values. The host maps each function as an ASP.NET Core <see cref="Route"/> with an <c>httpMethod</c>
    /// constraint (<c>WebScriptHostHttpRoutesManager.InitializeHttpFunctionRoutes</c>), in a route collection
    /// that takes the first match: so more than one match means the function that runs depends on load order.
    /// </summary>
    public static async Task<IReadOnlyList<(HttpFunction Function, RouteValueDictionary Values)>> HostMatchesAsync(string method, string path)
    {
        var matches = new List<(HttpFunction, RouteValueDictionary)>();
        foreach (var function in Functions)
        {
            var constraints = new Dictionary<string, object>();
            if (function.Methods.Count > 0)
            {
                constraints["httpMethod"] = new HttpMethodRouteConstraint(function.Methods.ToArray());
            }
            var route = new Route(new RouteHandler(_ => Task.CompletedTask), function.Name, HostTemplate(function),
                new RouteValueDictionary(), constraints, new RouteValueDictionary(), ConstraintResolver);
            var context = new DefaultHttpContext { RequestServices = Services };
            context.Request.Method = method;
            context.Request.Path = path;
            var routeContext = new RouteContext(context);
            await route.RouteAsync(routeContext);
            if (routeContext.Handler is not null)
            {
                matches.Add((function, routeContext.RouteData.Values));
            }
        }
        return matches;
    }

    /// <summary>
    /// The endpoint the isolated worker maps for <paramref name="function"/>, made by the worker's own code
    /// (Worker.Extensions.Http.AspNetCore's internal <c>FunctionsEndpointDataSource.MapHttpFunction</c>) from the
    /// binding the Worker SDK writes into functions.metadata for it.
    /// </summary>
    public static RouteEndpoint WorkerEndpoint(HttpFunction function) => WorkerEndpoint(function, RoutePrefix);

    public static RouteEndpoint WorkerEndpoint(HttpFunction function, string routePrefix)
    {
        var binding = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = "request",
            ["direction"] = "In",
            ["type"] = "httpTrigger",
            ["authLevel"] = function.AuthLevel.ToString(),
            ["methods"] = function.Methods,
            ["route"] = function.Route,
            ["properties"] = new Dictionary<string, object>(),
        });
        var metadata = new DefaultFunctionMetadata { Name = function.Name, RawBindings = [binding] };
        try
        {
            return (RouteEndpoint)MapHttpFunction.Invoke(null, [metadata, routePrefix])!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    private static readonly MethodInfo MapHttpFunction =
        Type.GetType("Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore.AspNetMiddleware.FunctionsEndpointDataSource, Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore")
            ?.GetMethod("MapHttpFunction", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new InvalidOperationException(
            "Worker.Extensions.Http.AspNetCore no longer has FunctionsEndpointDataSource.MapHttpFunction: read how the new version maps HTTP functions to endpoints and update this test to call it.");

    private static readonly ServiceProvider Services = new ServiceCollection().AddLogging().AddRouting().BuildServiceProvider();

    private static readonly IInlineConstraintResolver ConstraintResolver =
        new DefaultInlineConstraintResolver(Services.GetRequiredService<IOptions<RouteOptions>>(), Services);
}
