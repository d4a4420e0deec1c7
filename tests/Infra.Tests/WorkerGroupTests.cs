using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>Worker groups (celery worker -Q ...) become one function app each, same package.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class WorkerGroupTests(CompiledTemplate compiled)
{
    /// <summary>One deployed worker group: its azd service name and the function app's settings.</summary>
    public sealed record DeployedApp(string ServiceName, ArmResource Site, Dictionary<string, object?> Settings);

    public static IReadOnlyList<DeployedApp> Apps(ArmScope deployment) =>
        deployment.Modules("processors").Select(processor =>
        {
            var app = processor.Module().Module("functionApp");
            var site = app.SingleOfType("Microsoft.Web/sites");
            var settings = (Dictionary<string, object?>)app.SingleOfType("Microsoft.Web/sites/config").Properties!;
            var serviceName = (string)processor.Module().Parameter("serviceName")!;
            return new DeployedApp(serviceName, site, settings);
        }).ToList();

    [Fact]
    public void DefaultGroups_OwnEveryQueueExactlyOnce()
    {
        var groups = (List<object?>)compiled.Deployment().Parameter("workerGroups")!;
        var owned = groups.Cast<Dictionary<string, object?>>().SelectMany(g => ((List<object?>)g["queues"]!).Cast<string>()).ToList();

        Assert.Equal(Expectations.Queues.Order(), owned.Order());
    }

    [Fact]
    public void DefaultGroups_AreTheServicesOfAzureYaml()
    {
        var apps = Apps(compiled.Deployment());
        var services = AzureYaml.Services();

        Assert.Equal(["processor-general", "processor-reports"], apps.Select(a => a.ServiceName));
        Assert.Equal(apps.Select(a => a.ServiceName).Order(), services.Keys.Order());
        Assert.All(apps, app => Assert.Equal(app.ServiceName, ((Dictionary<string, object?>)app.Site.Get("tags")!)["azd-service-name"]));
    }

    [Theory]
    [InlineData("processor-general", new[] { "default", "email", "analytics" }, 16, 64, false)]
    [InlineData("processor-reports", new[] { "reports", "cleanup" }, 2, 8, true)]
    public void DefaultGroup_RunsOnlyItsQueues_WithItsConcurrency(string serviceName, string[] queues, int concurrency, int prefetch, bool runsTimer)
    {
        var app = Apps(compiled.Deployment()).Single(a => a.ServiceName == serviceName);

        // A queue's lanes run where the queue runs.
        foreach (var (queue, function) in Expectations.QueueFunctions)
        {
            Assert.Equal(queues.Contains(Expectations.Lanes.LogicalQueueOf(queue)) ? "false" : "true", app.Settings[Expectations.DisabledSetting(function)]);
        }
        Assert.Equal("1", app.Settings["TaskProcessor__Worker__LaneSlots"]);
        Assert.Equal(runsTimer ? "false" : "true", app.Settings[Expectations.DisabledSetting(Expectations.CleanupTimerFunction)]);
        Assert.Equal($"{concurrency}", app.Settings["AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls"]);
        Assert.Equal($"{concurrency}", app.Settings["TaskProcessor__Worker__Concurrency"]);
        Assert.Equal($"{prefetch}", app.Settings["AzureFunctionsJobHost__extensions__serviceBus__prefetchCount"]);
        Assert.Equal("4", app.Settings["TaskProcessor__Worker__PrefetchMultiplier"]);
    }

    [Fact]
    public void CustomGroups_GiveOneAppEach_WithTheirOwnSettings()
    {
        var groups = new List<object?>
        {
            Group("mail", ["email"], 50, prefetchMultiplier: 1),
            Group("bulk", ["default", "reports", "analytics"], 4, instanceMemoryMB: 4096, maximumInstanceCount: 5),
            Group("janitor", ["cleanup"], 1),
        };

        var apps = Apps(compiled.Deployment(new Dictionary<string, object?> { ["workerGroups"] = groups }));

        Assert.Equal(["processor-mail", "processor-bulk", "processor-janitor"], apps.Select(a => a.ServiceName));
        var mail = apps[0];
        Assert.Equal("false", mail.Settings["AzureWebJobs.ProcessEmailQueue.Disabled"]);
        Assert.Equal("false", mail.Settings["AzureWebJobs.ProcessEmailHighQueue.Disabled"]);
        Assert.Equal("true", mail.Settings["AzureWebJobs.ProcessReportsHighQueue.Disabled"]);
        Assert.Equal("true", mail.Settings["AzureWebJobs.ProcessDefaultQueue.Disabled"]);
        Assert.Equal("true", mail.Settings["AzureWebJobs.ScheduleCleanup.Disabled"]);
        Assert.Equal("50", mail.Settings["AzureFunctionsJobHost__extensions__serviceBus__prefetchCount"]);
        var bulk = apps[1];
        var scale = ScaleOf(bulk);
        Assert.Equal(4096L, scale["instanceMemoryMB"]);
        Assert.Equal(5L, scale["maximumInstanceCount"]);
        Assert.Equal("16", bulk.Settings["AzureFunctionsJobHost__extensions__serviceBus__prefetchCount"]);
        Assert.Equal("false", apps[2].Settings["AzureWebJobs.ScheduleCleanup.Disabled"]);
        Assert.Equal(2048L, ScaleOf(apps[2])["instanceMemoryMB"]);
        // Every app gets its own deployment container.
        var containers = apps.Select(a => Deployment(a)["value"]).ToList();
        Assert.Equal(containers.Count, containers.Distinct().Count());
    }

    [Fact]
    public void EveryApp_IsFlexConsumption_DotnetIsolated10_DeployedWithItsIdentity()
    {
        foreach (var app in Apps(compiled.Deployment()))
        {
            var config = (Dictionary<string, object?>)app.Site.Properties["functionAppConfig"]!;
            var runtime = (Dictionary<string, object?>)config["runtime"]!;
            Assert.Equal("dotnet-isolated", runtime["name"]);
            Assert.Equal("10.0", runtime["version"]);
            var authentication = (Dictionary<string, object?>)Deployment(app)["authentication"]!;
            Assert.Equal("UserAssignedIdentity", authentication["type"]);
            Assert.Equal("blobContainer", Deployment(app)["type"]);
            Assert.Equal("UserAssigned", ((Dictionary<string, object?>)app.Site.Get("identity")!)["type"]);
            Assert.Equal(true, app.Site.Properties["httpsOnly"]);
            Assert.Equal(2048L, ScaleOf(app)["instanceMemoryMB"]);
            Assert.Equal(40L, ScaleOf(app)["maximumInstanceCount"]);
        }
    }

    private static Dictionary<string, object?> ScaleOf(DeployedApp app) =>
        (Dictionary<string, object?>)((Dictionary<string, object?>)app.Site.Properties["functionAppConfig"]!)["scaleAndConcurrency"]!;

    private static Dictionary<string, object?> Deployment(DeployedApp app) =>
        (Dictionary<string, object?>)((Dictionary<string, object?>)((Dictionary<string, object?>)app.Site.Properties["functionAppConfig"]!)["deployment"]!)["storage"]!;

    private static Dictionary<string, object?> Group(string name, string[] queues, long concurrency,
        long? prefetchMultiplier = null, long? instanceMemoryMB = null, long? maximumInstanceCount = null)
    {
        var group = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["name"] = name,
            ["queues"] = queues.Cast<object?>().ToList(),
            ["concurrency"] = concurrency,
        };
        if (prefetchMultiplier is not null) group["prefetchMultiplier"] = prefetchMultiplier;
        if (instanceMemoryMB is not null) group["instanceMemoryMB"] = instanceMemoryMB;
        if (maximumInstanceCount is not null) group["maximumInstanceCount"] = maximumInstanceCount;
        return group;
    }
}
