using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>Redis, Storage and monitoring are set up the way the design says.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class ResourceTests(CompiledTemplate compiled)
{
    [Fact]
    public void Redis_IsManagedRedis_WithAccessKeysDisabled_AndTlsOnly()
    {
        var redis = compiled.Deployment().Module("redis");
        var cluster = redis.SingleOfType("Microsoft.Cache/redisEnterprise");
        var database = redis.SingleOfType("Microsoft.Cache/redisEnterprise/databases");

        Assert.Equal("1.2", cluster.Properties["minimumTlsVersion"]);
        Assert.Equal("Disabled", database.Properties["accessKeysAuthentication"]);
        Assert.Equal("Encrypted", database.Properties["clientProtocol"]);
        Assert.Equal(10000L, database.Properties["port"]);
        // One endpoint that non-cluster clients (Celery's redis-py) can use.
        Assert.Equal("EnterpriseCluster", database.Properties["clusteringPolicy"]);
    }

    [Fact]
    public void Storage_RefusesSharedKeysAndAnonymousAccess()
    {
        var account = compiled.Deployment().Module("storage").SingleOfType("Microsoft.Storage/storageAccounts");

        Assert.Equal(false, account.Properties["allowSharedKeyAccess"]);
        Assert.Equal(false, account.Properties["allowBlobPublicAccess"]);
        Assert.Equal("TLS1_2", account.Properties["minimumTlsVersion"]);
        Assert.Equal(true, account.Properties["supportsHttpsTrafficOnly"]);
    }

    [Fact]
    public void Storage_HasReportsArchivesAndOneDeploymentContainerPerApp()
    {
        var deployment = compiled.Deployment();
        var containers = deployment.Module("storage").OfType("Microsoft.Storage/storageAccounts/blobServices/containers");
        var names = containers.Select(c => ArmScopeNavigation.LastSegment(c.Name)).ToList();
        var deploymentContainers = WorkerGroupTests.Apps(deployment)
            .Select(a => ArmEvaluator.Text(((Dictionary<string, object?>)((Dictionary<string, object?>)((Dictionary<string, object?>)a.Site.Properties["functionAppConfig"]!)["deployment"]!)["storage"]!)["value"]).Split('/')[^1])
            .Select(name => name.StartsWith(Unknown.Marker, StringComparison.Ordinal) ? name[Unknown.Marker.Length..] : name)
            .ToList();

        // The containers the AFIRGen tasks are told to use exist (the identity could create them, but a
        // container made by the template gets the lifecycle rule and no public access).
        var settings = WorkerGroupTests.Apps(deployment)[0].Settings;
        Assert.Contains((string)settings["Afirgen__Storage__ReportsContainer"]!, names);
        Assert.Contains((string)settings["Afirgen__Storage__ArchiveContainer"]!, names);
        Assert.Equal(2, deploymentContainers.Count);
        Assert.Subset(names.ToHashSet(), deploymentContainers.ToHashSet());
        Assert.All(containers, c => Assert.Equal("None", c.Properties["publicAccess"]));
    }

    [Fact]
    public void Storage_LifecycleRule_CoolsAndArchivesTheArchiveContainerTheTasksWriteTo()
    {
        var policy = compiled.Deployment().Module("storage").SingleOfType("Microsoft.Storage/storageAccounts/managementPolicies");
        var rule = (Dictionary<string, object?>)((List<object?>)((Dictionary<string, object?>)policy.Properties["policy"]!)["rules"]!).Single()!;
        var definition = (Dictionary<string, object?>)rule["definition"]!;
        var filters = (Dictionary<string, object?>)definition["filters"]!;
        var actions = (Dictionary<string, object?>)((Dictionary<string, object?>)definition["actions"]!)["baseBlob"]!;

        var archiveContainer = (string)WorkerGroupTests.Apps(compiled.Deployment())[0].Settings["Afirgen__Storage__ArchiveContainer"]!;
        Assert.Equal([$"{archiveContainer}/"], (List<object?>)filters["prefixMatch"]!);
        Assert.Equal(30L, ((Dictionary<string, object?>)actions["tierToCool"]!)["daysAfterModificationGreaterThan"]);
        Assert.Equal(180L, ((Dictionary<string, object?>)actions["tierToArchive"]!)["daysAfterModificationGreaterThan"]);
        Assert.False(actions.ContainsKey("delete"));
    }

    [Fact]
    public void ApplicationInsights_DisablesLocalAuth_AndUsesTheWorkspace()
    {
        var monitoring = compiled.Deployment().Module("monitoring");
        var component = monitoring.SingleOfType("Microsoft.Insights/components");

        Assert.Equal(true, component.Properties["DisableLocalAuth"]);
        Assert.NotNull(component.Properties["WorkspaceResourceId"]);
        var workspace = Assert.Single(monitoring.OfType("Microsoft.OperationalInsights/workspaces"));
        Assert.Equal(true, ((Dictionary<string, object?>)workspace.Properties["features"]!)["disableLocalAuth"]);
    }
}
