using System.Text.Json;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>The function apps get every setting the app reads, by identity, and no secret.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed partial class AppSettingsTests(CompiledTemplate compiled)
{
    /// <summary>App settings Flex Consumption does not allow (the runtime lives in functionAppConfig).</summary>
    private static readonly string[] NotAllowedOnFlexConsumption =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    ];

    private IReadOnlyList<WorkerGroupTests.DeployedApp> Apps() => WorkerGroupTests.Apps(compiled.Deployment());

    private IReadOnlyList<WorkerGroupTests.DeployedApp> AppsWithAllSecrets() =>
        WorkerGroupTests.Apps(compiled.Deployment(Expectations.WithAllSecrets()));

    [Fact]
    public void EveryApp_SetsEverySettingTheAppReads_AndTheSecretOnesWhenTheirSecretsAreGiven()
    {
        Assert.All(Apps(), app =>
        {
            Assert.Subset(app.Settings.Keys.ToHashSet(), Expectations.AppSettingsReadInAzure.ToHashSet());
            // No secret given: no reference either, so the app names the missing setting at start-up.
            Assert.Empty(Expectations.KeyVaultReferenceSettings.Keys.Intersect(app.Settings.Keys));
        });
        Assert.All(AppsWithAllSecrets(), app =>
            Assert.Subset(app.Settings.Keys.ToHashSet(), Expectations.AppSettingsReadInAzure.Concat(Expectations.KeyVaultReferenceSettings.Keys).ToHashSet()));
    }

    [Fact]
    public void EveryApp_SetsNothingElse()
    {
        var known = Expectations.AppSettingsReadInAzure.Concat(Expectations.KeyVaultReferenceSettings.Keys).ToList();
        Assert.All(AppsWithAllSecrets(), app => Assert.Empty(app.Settings.Keys.Except(known, StringComparer.Ordinal)));
    }

    [Fact]
    public void Connections_UseTheManagedIdentity()
    {
        Assert.All(Apps(), app =>
        {
            Assert.Equal("managedidentity", app.Settings["AzureWebJobsStorage__credential"]);
            Assert.Equal("managedidentity", app.Settings["ServiceBusConnection__credential"]);
            Assert.Equal("managedidentity", app.Settings["TaskProcessor__Redis__Credential"]);
            Assert.Equal("0 0 2 * * *", app.Settings["CleanupSchedule"]);
            // No connection string: the tasks reach Blob Storage as the identity (DefaultAzureCredential, AZURE_CLIENT_ID).
            Assert.Matches(@"^https://[^/]+\.blob\.core\.windows\.net$", (string)app.Settings["Afirgen__Storage__ServiceUri"]!);
            Assert.Matches(@"^ClientId=[^;]+;Authorization=AAD$", (string)app.Settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!);
            // TLS, no password: Entra ID authenticates to Redis.
            Assert.EndsWith(",ssl=True,abortConnect=False", (string)app.Settings["TaskProcessor__Redis__Configuration"]!, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void EveryApp_TurnsTheHostsHomePageOff()
    {
        // The dashboard function owns "/" (host.json's route prefix is empty); the host's page must never stand in for it.
        Assert.All(Apps(), app => Assert.Equal("true", app.Settings["AzureWebJobsDisableHomepage"]));
    }

    [Fact]
    public void EveryClientId_IsTheAppsUserAssignedIdentity()
    {
        string[] clientIdSettings = ["AzureWebJobsStorage__clientId", "ServiceBusConnection__clientId", "TaskProcessor__Redis__ClientId", "AZURE_CLIENT_ID"];
        var processor = compiled.Deployment().Modules("processors")[0];
        var settingsTemplate = processor.Module().Template.GetProperty("variables").GetProperty("appSettings");

        foreach (var name in clientIdSettings)
        {
            Assert.Equal("[parameters('identityClientId')]", settingsTemplate.GetProperty(name).GetString());
        }
        var passed = processor.Element.GetProperty("properties").GetProperty("parameters").GetProperty("identityClientId").GetProperty("value").GetString();
        Assert.Equal("[reference('identity').outputs.clientId.value]", passed);
        // ...and the site runs as that identity.
        var site = processor.Module().Module("functionApp").Template.GetProperty("resources").GetProperty("functionApp");
        Assert.Contains("parameters('identityId')", site.GetProperty("identity").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoSetting_CarriesAKeyOrAConnectionSecret()
    {
        Assert.All(Apps().Concat(AppsWithAllSecrets()), app =>
        {
            foreach (var (name, value) in app.Settings)
            {
                var text = ArmEvaluator.Text(value);
                Assert.DoesNotMatch(SecretPattern(), text);
                if (name.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_CONNECTION_STRING", StringComparison.Ordinal))
                {
                    // Application Insights' names an endpoint only; AFIRGen's MySQL one is a Key Vault reference.
                    Assert.True(
                        name == "APPLICATIONINSIGHTS_CONNECTION_STRING" || text.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal),
                        $"{name} carries a connection string that is not a Key Vault reference.");
                }
                Assert.DoesNotContain("literal-", text, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("AzureWebJobsStorage", app.Settings.Keys);
            Assert.Empty(NotAllowedOnFlexConsumption.Intersect(app.Settings.Keys));
        });
    }

    [Fact]
    public void Template_NeverReadsKeys()
    {
        var text = compiled.Template.GetRawText();

        Assert.DoesNotMatch(@"list(Keys|ConnectionStrings|Secrets|AccountSas|ServiceSas)\(", text);
        Assert.DoesNotContain("primaryKey", text, StringComparison.OrdinalIgnoreCase);
        // The Application Insights connection string comes from the component (no key: local auth is off).
        var monitoring = compiled.Deployment().Module("monitoring");
        Assert.Equal(
            "[reference('applicationInsights').ConnectionString]",
            monitoring.Template.GetProperty("outputs").GetProperty("connectionString").GetProperty("value").GetString());
    }

    [Fact]
    public void LocalSettingsSample_AndTemplate_NameTheSameSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Repository.RootFile("local.settings.sample.json")));
        var local = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var azure = AppsWithAllSecrets()[0].Settings.Keys.ToHashSet();

        Assert.False(sample.RootElement.GetProperty("IsEncrypted").GetBoolean());
        Assert.Empty(azure.Except(local).Except(Expectations.AzureOnlySettings).Order());
        Assert.Empty(local.Except(azure).Except(Expectations.LocalOnlySettings).Order());
        // The exceptions are real: each is on its side only.
        Assert.Empty(Expectations.AzureOnlySettings.Intersect(local));
        Assert.Subset(azure, Expectations.AzureOnlySettings.ToHashSet());
        Assert.Subset(local, Expectations.LocalOnlySettings.ToHashSet());
        Assert.Equal("dotnet-isolated", sample.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
    }

    [GeneratedRegex(@"(AccountKey=|SharedAccessKey|SharedAccessSignature|password=|InstrumentationKey=[0-9a-f]{8}-)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();
}
