using Afirgen.TaskProcessor.Api.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Http;

/// <summary>
/// The dashboard page at the site root and its files, as the local host serves them (<see cref="DashboardApi.Asset"/>).
/// Anonymous on purpose: the files hold no data and no secret; every figure on the page comes from the
/// <c>api/</c> functions, which keep their function keys, and the page sends them the key it was opened with
/// (<c>https://&lt;app&gt;/?code=&lt;key&gt;</c>). Requiring a key here as well would only make the browser fetch
/// the style sheet and script with the key in their URLs.
/// </summary>
public sealed class DashboardFunctions
{
    // Route "/" cannot express the root: the isolated worker's ASP.NET Core routing joins "{routePrefix}/{route}"
    // (Worker.Extensions.Http.AspNetCore's FunctionsEndpointDataSource), and "//" does not parse; an empty route
    // becomes the function's name (the host's ScriptHost.ValidateHttpFunction). An optional parameter that must
    // be empty matches the root alone, for the host's router and the worker's.
    [Function("Dashboard")]
    public static IResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "{root:maxlength(0)?}")] HttpRequest request) =>
        DashboardApi.Asset(null);

    [Function("DashboardAsset")]
    public static IResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request, string? path) =>
        DashboardApi.Asset(path);
}
