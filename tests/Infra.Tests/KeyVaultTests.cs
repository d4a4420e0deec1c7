using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// AFIRGen's secrets live in a Key Vault that Azure RBAC guards, and reach the apps only as Key Vault
/// references resolved by the apps' identity; a secret not given is neither stored nor referenced.
/// </summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class KeyVaultTests(CompiledTemplate compiled)
{
    private const string SecretsModule = "afirgenSecrets";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KeyVault_UsesRbac_WithSoftDeleteAndPurgeProtection_AndNoAccessPolicies(bool privateNetworking)
    {
        var vault = compiled.Deployment(new Dictionary<string, object?> { ["enablePrivateNetworking"] = privateNetworking })
            .Module("keyVault").SingleOfType("Microsoft.KeyVault/vaults");

        Assert.Equal(true, vault.Properties["enableRbacAuthorization"]);
        Assert.Equal(true, vault.Properties["enableSoftDelete"]);
        // Nobody can purge a deleted secret or the vault before its retention ends.
        Assert.Equal(true, vault.Properties["enablePurgeProtection"]);
        Assert.Equal(90L, vault.Properties["softDeleteRetentionInDays"]);
        Assert.False(vault.Properties.TryGetValue("accessPolicies", out var policies) && policies is List<object?> { Count: > 0 });
    }

    [Fact]
    public void KeyVault_SoftDeleteRetention_FollowsItsParameter()
    {
        var vault = compiled.Deployment(new Dictionary<string, object?> { ["keyVaultSoftDeleteRetentionInDays"] = 7L })
            .Module("keyVault").SingleOfType("Microsoft.KeyVault/vaults");

        Assert.Equal(7L, vault.Properties["softDeleteRetentionInDays"]);
        Assert.Equal(true, vault.Properties["enablePurgeProtection"]);
    }

    [Fact]
    public void OnlyTheAppsIdentity_GetsSecretsUser_EvenWithADeveloperPrincipal()
    {
        var deployment = compiled.Deployment(new Dictionary<string, object?> { ["principalId"] = "11111111-2222-3333-4444-555555555555" });
        var assignment = Assert.Single(deployment.Module("keyVaultAccess").OfType("Microsoft.Authorization/roleAssignments"));

        Assert.Equal(Expectations.Roles.KeyVaultSecretsUser, ArmScopeNavigation.LastSegment(assignment.Properties["roleDefinitionId"]));
        Assert.Equal("ServicePrincipal", assignment.Properties["principalType"]);
        var principals = deployment.Modules("keyVaultAccess").Single().Element.GetProperty("properties").GetProperty("parameters").GetProperty("principals").GetProperty("value");
        var principal = Assert.Single(principals.EnumerateArray());
        Assert.Equal("[reference('identity').outputs.principalId.value]", principal.GetProperty("principalId").GetString());
    }

    [Fact]
    public void WithoutSecrets_NoSecretIsStored_AndNoReferenceIsSet()
    {
        var deployment = compiled.Deployment();

        Assert.Empty(deployment.Module(SecretsModule).OfType("Microsoft.KeyVault/vaults/secrets"));
        Assert.All(WorkerGroupTests.Apps(deployment), app =>
            Assert.Empty(Expectations.KeyVaultReferenceSettings.Keys.Intersect(app.Settings.Keys)));
    }

    [Fact]
    public void GivenSecrets_AreStoredInTheVault_AndReachTheAppsAsKeyVaultReferencesOnly()
    {
        var values = Expectations.WithAllSecrets();
        var deployment = compiled.Deployment(values);
        var secrets = deployment.Module(SecretsModule).OfType("Microsoft.KeyVault/vaults/secrets");

        Assert.Equal(
            Expectations.KeyVaultReferenceSettings.Values.Select(s => s.SecretName).Order(),
            secrets.Select(s => ArmScopeNavigation.LastSegment(s.Name)).Order());
        Assert.All(secrets, s => Assert.Contains((string)s.Properties["value"]!, values.Values.Cast<string>()));
        // The module takes the values as secure parameters (kept out of deployment history and logs).
        var parameters = deployment.Module(SecretsModule).Template.GetProperty("parameters");
        foreach (var name in new[] { "databaseConnectionString", "smtpPassword" })
        {
            Assert.Equal("securestring", parameters.GetProperty(name).GetProperty("type").GetString(), ignoreCase: true);
        }
        Assert.Equal("securestring", compiled.Template.GetProperty("parameters").GetProperty("afirgenDatabaseConnectionString").GetProperty("type").GetString(), ignoreCase: true);
        Assert.Equal("securestring", compiled.Template.GetProperty("parameters").GetProperty("smtpPassword").GetProperty("type").GetString(), ignoreCase: true);

        Assert.All(WorkerGroupTests.Apps(deployment), app =>
        {
            foreach (var (setting, (_, secretName)) in Expectations.KeyVaultReferenceSettings)
            {
                // <?> is the vault URI, known at deployment time only (https://<vault>.vault.azure.net/).
                Assert.Equal($"@Microsoft.KeyVault(SecretUri={Unknown.Marker}secrets/{secretName})", ArmEvaluator.Text(app.Settings[setting]));
            }
            foreach (var value in app.Settings.Values.Select(ArmEvaluator.Text))
            {
                Assert.DoesNotContain(value, values.Values.Cast<string>());
            }
        });
    }

    [Fact]
    public void References_PointAtTheTemplatesVault_AndResolveAsTheUserAssignedIdentity()
    {
        var deployment = compiled.Deployment(Expectations.WithAllSecrets());
        var processor = deployment.Modules("processors")[0];
        var passed = processor.Element.GetProperty("properties").GetProperty("parameters");

        foreach (var parameter in new[] { "databaseConnectionStringSecretUri", "smtpPasswordSecretUri" })
        {
            Assert.Contains("reference('keyVault').outputs.uri.value", passed.GetProperty(parameter).GetRawText(), StringComparison.Ordinal);
        }
        // Without keyVaultReferenceIdentity, App Service would resolve references as a system-assigned identity the app does not have.
        var site = processor.Module().Module("functionApp").SingleOfType("Microsoft.Web/sites");
        Assert.Equal(
            "[parameters('identityId')]",
            site.Element.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
        // ...and the apps wait for the role and the secrets, since references resolve when an app starts.
        var dependsOn = processor.Element.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Contains("keyVaultAccess", dependsOn);
        Assert.Contains(SecretsModule, dependsOn);
    }
}
