using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Functions.Tests.Routing;

/// <summary>
/// The dashboard functions serve the page, and every file the page refers to is reached through the
/// Functions host's routes and served by the function that route picks.
/// </summary>
public sealed partial class DashboardFunctionsTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    private static async Task<(int Status, string ContentType, string Body)> ServeAsync(string path)
    {
        var match = Assert.Single(await FunctionsAppRoutes.HostMatchesAsync("GET", path));
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Response.Body = new MemoryStream();
        // What the worker binds: the trigger's request and the host's route values by parameter name.
        var result = match.Function.Name switch
        {
            "Dashboard" => DashboardFunctions.Page(context.Request),
            "DashboardAsset" => DashboardFunctions.Asset(context.Request, match.Values["path"] as string),
            var other => throw new InvalidOperationException($"GET {path} reached {other}, not a dashboard function."),
        };
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.ContentType ?? "", await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task TheRoot_ServesThePage_AndEveryFileItRefersTo()
    {
        var (status, contentType, page) = await ServeAsync("/");
        Assert.Equal(200, status);
        Assert.StartsWith("text/html", contentType, StringComparison.Ordinal);
        Assert.Contains("<title>AFIRGen tasks</title>", page, StringComparison.Ordinal);

        var references = LocalReference().Matches(page).Select(m => m.Groups["url"].Value).ToArray();
        Assert.Equal(["/dashboard/app.css", "/dashboard/app.js"], references.Order(StringComparer.Ordinal));
        foreach (var reference in references)
        {
            var (fileStatus, fileType, body) = await ServeAsync(reference);
            Assert.Equal(200, fileStatus);
            Assert.Matches("^text/(css|javascript)", fileType);
            Assert.NotEmpty(body);
        }
    }

    [Fact]
    public async Task AnUnknownDashboardFile_Is404()
    {
        Assert.Equal(404, (await ServeAsync("/dashboard/secrets.json")).Status);
        Assert.Equal(404, (await ServeAsync("/dashboard/../host.json")).Status);
    }

    // src and href attributes that point into this site (not data: URIs or other hosts).
    [GeneratedRegex("""(?:src|href)="(?<url>/[^"]*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LocalReference();
}
