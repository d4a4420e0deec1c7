using System.Text.Json;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>What azd needs: parameters from its environment, outputs, services, tags.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed partial class AzdProjectTests(CompiledTemplate compiled)
{
    [Fact]
    public void ParametersFile_PassesTheAzdEnvironment_ToExistingParameters()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Repository.InfraFile("main.parameters.json")));
        var values = file.RootElement.GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString());
        var declared = compiled.Template.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Equal("${AZURE_ENV_NAME}", values["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", values["location"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", values["principalId"]);
        Assert.Subset(declared, values.Keys.ToHashSet());
    }

    [Fact]
    public void EveryParameter_IsDescribed()
    {
        Assert.All(compiled.Template.GetProperty("parameters").EnumerateObject(), p =>
            Assert.False(string.IsNullOrWhiteSpace(p.Value.GetProperty("metadata").GetProperty("description").GetString()), p.Name));
    }

    [Fact]
    public void Outputs_AreUpperSnake_AndIncludeWhatAzdUses()
    {
        var outputs = compiled.Template.GetProperty("outputs").EnumerateObject().ToList();

        Assert.All(outputs, o => Assert.Matches(UpperSnake(), o.Name));
        Assert.All(outputs, o => Assert.NotEqual("securestring", o.Value.GetProperty("type").GetString(), StringComparer.OrdinalIgnoreCase));
        Assert.Subset(
            outputs.Select(o => o.Name).ToHashSet(),
            new HashSet<string> { "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_NAME", "SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE", "REDIS_HOST_NAME", "STORAGE_BLOB_ENDPOINT" });
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProject_AsFunctionApps()
    {
        var services = AzureYaml.Services();

        Assert.NotEmpty(services);
        Assert.All(services.Values, service =>
        {
            Assert.Equal("./src/Afirgen.TaskProcessor.Functions", service["project"]);
            Assert.Equal("dotnet", service["language"]);
            Assert.Equal("function", service["host"]);
        });
    }

    [Fact]
    public void ResourceGroup_IsTaggedWithTheEnvironment()
    {
        var group = compiled.Deployment().Resources().Single(r => r.Type == "Microsoft.Resources/resourceGroups");

        Assert.Equal("afirgen-test", ((Dictionary<string, object?>)group.Get("tags")!)["azd-env-name"]);
        Assert.Equal("rg-afirgen-test", group.Name);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
