using System.Text.Json;
using Afirgen.TaskProcessor.Infra.Tests.Arm;

namespace Afirgen.TaskProcessor.Infra.Tests.Bicep;

/// <summary>
/// infra/main.bicep compiled once per test run by the real compiler (bicep build) into a temporary
/// folder; tests read the ARM JSON it wrote.
/// </summary>
public sealed class CompiledTemplate : IAsyncLifetime
{
    private readonly string _outputDirectory = Directory.CreateTempSubdirectory("afirgen-bicep-").FullName;

    public async Task InitializeAsync()
    {
        Build = await BicepCli.RunAsync("build", Repository.MainBicep, "--outdir", _outputDirectory);
        var json = Path.Combine(_outputDirectory, "main.json");
        Document = File.Exists(json) ? JsonDocument.Parse(await File.ReadAllTextAsync(json)) : null;
    }

    public BicepRun Build { get; private set; } = null!;

    public JsonDocument? Document { get; private set; }

    public JsonElement Template => (Document ?? throw new InvalidOperationException(
        $"bicep build wrote no template:\n{Build.StandardError}")).RootElement;

    /// <summary>The deployment as azd would start it (main.parameters.json values), with overrides.</summary>
    public ArmScope Deployment(IReadOnlyDictionary<string, object?>? overrides = null)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["environmentName"] = "afirgen-test",
            ["location"] = "swedencentral",
            ["principalId"] = string.Empty,
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, object?>()) parameters[name] = value;
        return new ArmScope(Template, parameters);
    }

    public Task DisposeAsync()
    {
        Document?.Dispose();
        Directory.Delete(_outputDirectory, recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledTemplateCollectionDefinition : ICollectionFixture<CompiledTemplate>
{
    public const string Name = "compiled main.bicep";
}
