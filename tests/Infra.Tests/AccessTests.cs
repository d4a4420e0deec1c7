using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>Role assignments and the Redis access policy: the app's identity, and the developer when given.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class AccessTests(CompiledTemplate compiled)
{
    private const string Developer = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public void RoleDefinitionIds_AreTheDocumentedBuiltInRoles()
    {
        var deployment = compiled.Deployment();

        Assert.Equal(Expectations.Roles.ServiceBusDataReceiver, deployment.Variable("serviceBusDataReceiverRoleId"));
        Assert.Equal(Expectations.Roles.ServiceBusDataSender, deployment.Variable("serviceBusDataSenderRoleId"));
        Assert.Equal(Expectations.Roles.StorageBlobDataContributor, deployment.Variable("storageBlobDataContributorRoleId"));
        Assert.Equal(Expectations.Roles.StorageTableDataContributor, deployment.Variable("storageTableDataContributorRoleId"));
        Assert.Equal(Expectations.Roles.MonitoringMetricsPublisher, deployment.Variable("monitoringMetricsPublisherRoleId"));
        Assert.Equal(Expectations.Roles.KeyVaultSecretsUser, deployment.Variable("keyVaultSecretsUserRoleId"));
    }

    [Theory]
    [InlineData("serviceBusAccess", "Microsoft.ServiceBus/namespaces", new[] { Expectations.Roles.ServiceBusDataReceiver, Expectations.Roles.ServiceBusDataSender })]
    [InlineData("storageAccess", "Microsoft.Storage/storageAccounts", new[] { Expectations.Roles.StorageBlobDataContributor, Expectations.Roles.StorageTableDataContributor })]
    [InlineData("appInsightsAccess", "Microsoft.Insights/components", new[] { Expectations.Roles.MonitoringMetricsPublisher })]
    [InlineData("keyVaultAccess", "Microsoft.KeyVault/vaults", new[] { Expectations.Roles.KeyVaultSecretsUser })]
    public void AppIdentity_GetsItsRoles_OnTheResource(string module, string scopeType, string[] roles)
    {
        var assignments = compiled.Deployment().Module(module).OfType("Microsoft.Authorization/roleAssignments");

        Assert.Equal(roles.Order(), assignments.Select(RoleOf).Order());
        Assert.All(assignments, a =>
        {
            Assert.Equal("ServicePrincipal", a.Properties["principalType"]);
            Assert.Contains("guid(", a.Element.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Contains($"/providers/{scopeType}/", ArmEvaluator.Text(a.Get("scope")), StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Developer_GetsDataRoles_OnlyWhenPrincipalIdIsGiven()
    {
        var without = compiled.Deployment();
        var with = compiled.Deployment(new Dictionary<string, object?> { ["principalId"] = Developer });

        foreach (var module in new[] { "serviceBusAccess", "storageAccess" })
        {
            Assert.DoesNotContain(without.Module(module).OfType("Microsoft.Authorization/roleAssignments"), a => Equals(a.Properties["principalId"], Developer));
            var mine = with.Module(module).OfType("Microsoft.Authorization/roleAssignments").Where(a => Equals(a.Properties["principalId"], Developer)).ToList();
            Assert.NotEmpty(mine);
            Assert.All(mine, a => Assert.Equal("User", a.Properties["principalType"]));
        }
        Assert.Equal(
            [Expectations.Roles.ServiceBusDataReceiver, Expectations.Roles.ServiceBusDataSender],
            with.Module("serviceBusAccess").OfType("Microsoft.Authorization/roleAssignments")
                .Where(a => Equals(a.Properties["principalId"], Developer)).Select(RoleOf).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NoPrincipal_GetsStorageBlobDataOwner_WhenContributorCoversWhatTheHostAndTasksDo(bool privateNetworking)
    {
        var deployment = compiled.Deployment(new Dictionary<string, object?> { ["principalId"] = Developer, ["enablePrivateNetworking"] = privateNetworking });

        var roles = AllRoleAssignments(deployment).Select(RoleOf).ToList();
        Assert.NotEmpty(roles);
        Assert.DoesNotContain(Expectations.Roles.StorageBlobDataOwner, roles);
        Assert.DoesNotContain(Expectations.Roles.StorageBlobDataOwner, deployment.Template.GetRawText());
    }

    /// <summary>Every role assignment in the deployment, whichever module makes it.</summary>
    private static IEnumerable<ArmResource> AllRoleAssignments(ArmScope scope) =>
        scope.Resources().SelectMany(r => string.Equals(r.Type, "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
            ? AllRoleAssignments(r.Module())
            : string.Equals(r.Type, "Microsoft.Authorization/roleAssignments", StringComparison.OrdinalIgnoreCase) ? new[] { r } : Array.Empty<ArmResource>());

    [Fact]
    public void Redis_GrantsTheDefaultAccessPolicy_ToTheAppAndTheDeveloper()
    {
        var without = compiled.Deployment().Module("redis").OfType("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");
        var with = compiled.Deployment(new Dictionary<string, object?> { ["principalId"] = Developer })
            .Module("redis").OfType("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");

        Assert.Single(without);
        Assert.Equal(2, with.Count);
        Assert.All(with, a => Assert.Equal("default", a.Properties["accessPolicyName"]));
        Assert.Contains(with, a => Equals(((Dictionary<string, object?>)a.Properties["user"]!)["objectId"], Developer));
    }

    [Fact]
    public void Redis_GrantsTheDefaultAccessPolicy_ToTheIdentityTheAppRunsAs()
    {
        var deployment = compiled.Deployment();
        var redis = deployment.Modules("redis").Single();

        // The app authenticates to Redis as its user-assigned identity's object id (the token's oid claim),
        // so the assignment's user must be that identity's principal id, the first of the module's list.
        var principalIds = redis.Element.GetProperty("properties").GetProperty("parameters").GetProperty("accessPrincipalIds").GetProperty("value").GetString()!;
        Assert.StartsWith("[map(concat(createArray(createObject('principalId', reference('identity').outputs.principalId.value", principalIds, StringComparison.Ordinal);
        var assignment = Assert.Single(redis.Module().OfType("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"));
        Assert.Equal("default", assignment.Properties["accessPolicyName"]);
        Assert.Equal("[parameters('accessPrincipalIds')[copyIndex()]]", assignment.Element.GetProperty("properties").GetProperty("user").GetProperty("objectId").GetString());
        // ...and that principal id is the identity resource's own.
        var identityModule = deployment.Modules("identity").Single().Module();
        var identity = Assert.Single(identityModule.OfType("Microsoft.ManagedIdentity/userAssignedIdentities"));
        var identityOutput = identityModule.Template.GetProperty("outputs").GetProperty("principalId").GetProperty("value").GetString();
        Assert.Equal($"[reference('{identity.Symbol}').principalId]", identityOutput);
    }

    private static string RoleOf(ArmResource assignment) =>
        ArmScopeNavigation.LastSegment(assignment.Properties["roleDefinitionId"]);
}
