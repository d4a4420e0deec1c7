using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// Every function app refuses basic (user name and password) publishing for SCM and FTP, so deployments
/// can only authenticate with Entra ID, and takes HTTPS with TLS 1.2 only: with and without private networking.
/// </summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class SiteHardeningTests(CompiledTemplate compiled)
{
    private const string PolicyType = "Microsoft.Web/sites/basicPublishingCredentialsPolicies";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryApp_RefusesBasicPublishingCredentials_ForScmAndFtp(bool privateNetworking)
    {
        var deployment = compiled.Deployment(new Dictionary<string, object?> { ["enablePrivateNetworking"] = privateNetworking });
        var processors = deployment.Modules("processors");

        Assert.Equal(2, processors.Count);
        foreach (var processor in processors)
        {
            var functionApp = processor.Module().Module("functionApp");
            var site = functionApp.SingleOfType("Microsoft.Web/sites");
            var policies = functionApp.OfType(PolicyType);

            Assert.Equal(["ftp", "scm"], policies.Select(p => ArmScopeNavigation.LastSegment(p.Name)).Order());
            Assert.All(policies, p =>
            {
                Assert.Equal(false, p.Properties["allow"]);
                // Each policy belongs to this app's site.
                Assert.StartsWith($"{site.Name}/", ArmEvaluator.Text(p.Name), StringComparison.Ordinal);
            });
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryApp_TakesHttpsOnly_WithTls12_AndNoFtp(bool privateNetworking)
    {
        var apps = WorkerGroupTests.Apps(compiled.Deployment(new Dictionary<string, object?> { ["enablePrivateNetworking"] = privateNetworking }));

        Assert.All(apps, app =>
        {
            Assert.Equal(true, app.Site.Properties["httpsOnly"]);
            var siteConfig = (Dictionary<string, object?>)app.Site.Properties["siteConfig"]!;
            Assert.Equal("1.2", siteConfig["minTlsVersion"]);
            Assert.Equal("Disabled", siteConfig["ftpsState"]);
        });
    }
}
