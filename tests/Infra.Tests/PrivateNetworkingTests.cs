using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// enablePrivateNetworking: off (the default), nothing of it exists and the data services take public
/// traffic (with Entra ID); on, the apps are integrated into a virtual network, each in its own delegated
/// subnet going out through a NAT gateway, Service Bus, Storage (blob, table), Key Vault and Redis are
/// reached through private endpoints registered in linked private DNS zones, and refuse public traffic.
/// </summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class PrivateNetworkingTests(CompiledTemplate compiled)
{
    private static readonly string[] NetworkModules = ["natGateway", "network", "privateDnsZones", "privateEndpoints"];

    /// <summary>What each private endpoint connects to: its sub-resource (group id) and its zone.</summary>
    private static readonly Dictionary<string, string> ZonesByGroupId = new()
    {
        ["namespace"] = "privatelink.servicebus.windows.net",
        ["blob"] = "privatelink.blob.core.windows.net",
        ["table"] = "privatelink.table.core.windows.net",
        ["vault"] = "privatelink.vaultcore.azure.net",
        ["redisEnterprise"] = "privatelink.redis.azure.net",
    };

    private ArmScope Deployment(bool privateNetworking, Dictionary<string, object?>? more = null)
    {
        var parameters = new Dictionary<string, object?> { ["enablePrivateNetworking"] = privateNetworking };
        foreach (var (name, value) in more ?? []) parameters[name] = value;
        return compiled.Deployment(parameters);
    }

    public static TheoryData<string, string> DataServices() => new()
    {
        { "serviceBus", "Microsoft.ServiceBus/namespaces" },
        { "storage", "Microsoft.Storage/storageAccounts" },
        { "keyVault", "Microsoft.KeyVault/vaults" },
        { "redis", "Microsoft.Cache/redisEnterprise" },
    };

    private object? Output(ArmScope deployment, string name) =>
        deployment.Evaluate(compiled.Template.GetProperty("outputs").GetProperty(name).GetProperty("value"), ArmContext.Empty);

    [Fact]
    public void IsOffByDefault_NothingOfItIsCreated_AndNoAppIsIntegrated()
    {
        var deployment = compiled.Deployment();

        Assert.Equal(false, deployment.Parameter("enablePrivateNetworking"));
        Assert.DoesNotContain(deployment.Resources(), r => NetworkModules.Contains(r.Symbol));
        Assert.All(WorkerGroupTests.Apps(deployment), app =>
        {
            Assert.Null(app.Site.Properties["virtualNetworkSubnetId"]);
            Assert.Equal(false, ((Dictionary<string, object?>)app.Site.Properties["siteConfig"]!)["vnetRouteAllEnabled"]);
        });
        Assert.Equal("", Output(deployment, "OUTBOUND_IP_ADDRESS"));
        Assert.Equal("", Output(deployment, "AZURE_VIRTUAL_NETWORK_NAME"));
    }

    [Theory]
    [MemberData(nameof(DataServices))]
    public void Off_TheDataServicesTakePublicTraffic(string module, string type)
    {
        var resource = Deployment(false).Module(module).SingleOfType(type);

        Assert.Equal("Enabled", resource.Properties["publicNetworkAccess"]);
    }

    [Theory]
    [MemberData(nameof(DataServices))]
    public void On_TheDataServicesRefusePublicTraffic(string module, string type)
    {
        var resource = Deployment(true).Module(module).SingleOfType(type);

        Assert.Equal("Disabled", resource.Properties["publicNetworkAccess"]);
        if (resource.Properties.TryGetValue("networkAcls", out var acls))
        {
            Assert.Equal("Deny", ((Dictionary<string, object?>)acls!)["defaultAction"]);
        }
    }

    [Fact]
    public void On_ServiceBusIsPremium_WhateverItsSkuParameterSays_SincePrivateEndpointsNeedIt()
    {
        Dictionary<string, object?> Sku(bool privateNetworking) => (Dictionary<string, object?>)Deployment(privateNetworking, new() { ["serviceBusSkuName"] = "Standard" })
            .Module("serviceBus").SingleOfType("Microsoft.ServiceBus/namespaces").Get("sku")!;

        Assert.Equal("Standard", Sku(false)["name"]);
        Assert.Equal("Premium", Sku(true)["name"]);
        Assert.Equal("Premium", Sku(true)["tier"]);
        Assert.Equal(1L, Sku(true)["capacity"]);
    }

    [Fact]
    public void On_EachDataServiceHasAPrivateEndpoint_InThePrivateEndpointSubnet_RegisteredInItsZone()
    {
        var deployment = Deployment(true);
        var endpoints = deployment.Modules("privateEndpoints");
        var zones = deployment.Modules("privateDnsZones");

        Assert.Equal(ZonesByGroupId.Count, endpoints.Count);
        Assert.Equal(ZonesByGroupId.Count, zones.Count);
        var groupIds = new List<string>();
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpointModule = endpoints[i].Module();
            var groupId = (string)endpointModule.Parameter("groupId")!;
            groupIds.Add(groupId);
            var endpoint = endpointModule.SingleOfType("Microsoft.Network/privateEndpoints");
            var connection = (Dictionary<string, object?>)((Dictionary<string, object?>)((List<object?>)endpoint.Properties["privateLinkServiceConnections"]!).Single()!)["properties"]!;
            Assert.Equal([groupId], (List<object?>)connection["groupIds"]!);

            // The endpoint registers in the zone of the same index, which is the one for its service.
            Assert.Equal(ZonesByGroupId[groupId], zones[i].Module().Parameter("name"));
            var passed = endpoints[i].Element.GetProperty("properties").GetProperty("parameters");
            Assert.Equal("[reference(format('privateDnsZones[{0}]', copyIndex())).outputs.resourceId.value]",
                passed.GetProperty("privateDnsZoneId").GetProperty("value").GetString());
            Assert.Equal("[reference('network').outputs.privateEndpointSubnetId.value]", passed.GetProperty("subnetId").GetProperty("value").GetString());
            var group = endpointModule.SingleOfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
            Assert.Equal("[parameters('privateDnsZoneId')]", group.Element.GetProperty("properties").GetProperty("privateDnsZoneConfigs")[0]
                .GetProperty("properties").GetProperty("privateDnsZoneId").GetString());
        }
        // Blob and table for the host and the tasks; no queue or file endpoint, which nothing here uses.
        Assert.Equal(ZonesByGroupId.Keys.Order(), groupIds.Order());
    }

    [Fact]
    public void On_EachEndpointConnectsToItsOwnService()
    {
        // Which module's resource each service's endpoint targets, as main.bicep wires it (the compiler
        // inlines the lookup into the endpoints' parameter, indexed by the service's name).
        var targets = Deployment(true).Modules("privateEndpoints")[0].Element.GetProperty("properties").GetProperty("parameters")
            .GetProperty("targetResourceId").GetProperty("value").GetString()!;
        var services = compiled.Template.GetProperty("variables").GetProperty("privateEndpointServices");

        Assert.EndsWith("[variables('privateEndpointServices')[copyIndex()].name]]", targets, StringComparison.Ordinal);
        foreach (var (service, module) in new[] { ("servicebus", "serviceBus"), ("blob", "storage"), ("table", "storage"), ("vault", "keyVault"), ("redis", "redis") })
        {
            Assert.Contains($"'{service}', reference('{module}').outputs.resourceId.value", targets, StringComparison.Ordinal);
        }
        Assert.Equal(
            ["namespace", "blob", "table", "vault", "redisEnterprise"],
            services.EnumerateArray().Select(s => s.GetProperty("groupId").GetString()!));
        Assert.Equal(
            ["servicebus", "blob", "table", "vault", "redis"],
            services.EnumerateArray().Select(s => s.GetProperty("name").GetString()!));
    }

    [Fact]
    public void On_EveryZoneIsLinkedToTheVirtualNetwork_WithoutAutoRegistration()
    {
        var zones = Deployment(true).Modules("privateDnsZones");

        Assert.All(zones, zone =>
        {
            var module = zone.Module();
            Assert.Equal("global", module.SingleOfType("Microsoft.Network/privateDnsZones").Get("location"));
            var link = module.SingleOfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks");
            Assert.Equal(false, link.Properties["registrationEnabled"]);
            Assert.Equal("[reference('network').outputs.resourceId.value]", zone.Element.GetProperty("properties").GetProperty("parameters").GetProperty("virtualNetworkId").GetProperty("value").GetString());
        });
    }

    [Fact]
    public void On_EachAppHasItsOwnDelegatedSubnet_GoingOutThroughTheNatGateway()
    {
        var network = Deployment(true).Module("network");
        var vnet = network.SingleOfType("Microsoft.Network/virtualNetworks");
        var subnets = ((List<object?>)vnet.Properties["subnets"]!).Cast<Dictionary<string, object?>>().ToList();
        string Name(Dictionary<string, object?> s) => (string)s["name"]!;
        Dictionary<string, object?> Properties(Dictionary<string, object?> s) => (Dictionary<string, object?>)s["properties"]!;

        Assert.Equal(["private-endpoints", "app-general", "app-reports"], subnets.Select(Name));
        Assert.Equal(["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"], subnets.Select(s => (string)Properties(s)["addressPrefix"]!));
        Assert.Equal(["10.40.0.0/16"], (List<object?>)((Dictionary<string, object?>)vnet.Properties["addressSpace"]!)["addressPrefixes"]!);
        // Private subnets: the apps' only way out is the NAT gateway.
        Assert.All(subnets, s => Assert.Equal(false, Properties(s)["defaultOutboundAccess"]));
        Assert.Equal("Disabled", Properties(subnets[0])["privateEndpointNetworkPolicies"]);
        Assert.False(Properties(subnets[0]).ContainsKey("natGateway"));
        Assert.All(subnets.Skip(1), s =>
        {
            var delegation = (Dictionary<string, object?>)((List<object?>)Properties(s)["delegations"]!).Single()!;
            Assert.Equal("Microsoft.App/environments", ((Dictionary<string, object?>)delegation["properties"]!)["serviceName"]);
            Assert.Equal(Unknown.Instance, ((Dictionary<string, object?>)Properties(s)["natGateway"]!)["id"]);
        });
        Assert.Equal("[reference('natGateway').outputs.resourceId.value]",
            Deployment(true).Modules("network").Single().Element.GetProperty("properties").GetProperty("parameters").GetProperty("natGatewayId").GetProperty("value").GetString());
    }

    [Fact]
    public void On_TheAddressSpace_FollowsItsParameter()
    {
        var vnet = Deployment(true, new() { ["virtualNetworkAddressPrefix"] = "172.20.0.0/16" }).Module("network").SingleOfType("Microsoft.Network/virtualNetworks");

        Assert.Equal(["172.20.0.0/24", "172.20.1.0/24", "172.20.2.0/24"],
            ((List<object?>)vnet.Properties["subnets"]!).Cast<Dictionary<string, object?>>().Select(s => (string)((Dictionary<string, object?>)s["properties"]!)["addressPrefix"]!));
    }

    [Fact]
    public void On_EachAppIsIntegratedIntoItsSubnet_RoutesAllTraffic_AndStartsAfterTheEndpoints()
    {
        var deployment = Deployment(true);
        var processors = deployment.Modules("processors");
        var subnetNames = (List<object?>)deployment.Modules("network").Single().Module().Parameter("appSubnetNames")!;

        Assert.Equal(["app-general", "app-reports"], subnetNames);
        Assert.All(processors, processor =>
        {
            // The i-th app gets the i-th subnet the network module made (appSubnetIds follows appSubnetNames).
            var passed = processor.Element.GetProperty("properties").GetProperty("parameters").GetProperty("virtualNetworkSubnetId").GetString();
            Assert.Equal("[if(parameters('enablePrivateNetworking'), createObject('value', reference('network').outputs.appSubnetIds.value[copyIndex()]), createObject('value', ''))]", passed);
            Assert.Contains("privateEndpoints", processor.Element.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()));

            // Given the subnet id the network module will output, the site is integrated and routes all its traffic.
            const string subnetId = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/app-x";
            var site = processor.Module(new Dictionary<string, object?> { ["virtualNetworkSubnetId"] = subnetId })
                .Module("functionApp").SingleOfType("Microsoft.Web/sites");
            Assert.Equal(subnetId, site.Properties["virtualNetworkSubnetId"]);
            Assert.Equal(true, ((Dictionary<string, object?>)site.Properties["siteConfig"]!)["vnetRouteAllEnabled"]);
        });
        var outputs = compiled.Template.GetProperty("outputs").GetProperty("OUTBOUND_IP_ADDRESS").GetProperty("value").GetString();
        Assert.Equal("[if(parameters('enablePrivateNetworking'), reference('natGateway').outputs.ipAddress.value, '')]", outputs);
    }

    [Fact]
    public void On_TheNatGateway_GivesTheAppsOneStaticPublicAddress()
    {
        var nat = Deployment(true).Module("natGateway");
        var ip = nat.SingleOfType("Microsoft.Network/publicIPAddresses");
        var gateway = nat.SingleOfType("Microsoft.Network/natGateways");

        Assert.Equal("Static", ip.Properties["publicIPAllocationMethod"]);
        Assert.Equal("Standard", ((Dictionary<string, object?>)ip.Get("sku")!)["name"]);
        Assert.Equal("Standard", ((Dictionary<string, object?>)gateway.Get("sku")!)["name"]);
        var address = (Dictionary<string, object?>)Assert.Single((List<object?>)gateway.Properties["publicIpAddresses"]!)!;
        Assert.EndsWith($"/providers/Microsoft.Network/publicIPAddresses/{ArmEvaluator.Text(ip.Name)}", ArmEvaluator.Text(address["id"]), StringComparison.Ordinal);
    }
}
