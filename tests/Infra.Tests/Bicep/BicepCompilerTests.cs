using System.Text.Json;

namespace Afirgen.TaskProcessor.Infra.Tests.Bicep;

/// <summary>The templates build and lint with the real compiler and not a single diagnostic.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class BicepCompilerTests(CompiledTemplate compiled)
{
    /// <summary>Rules left off, each for a reason: use-recent-module-versions asks the public registry.</summary>
    private static readonly HashSet<string> RulesAllowedOff = ["use-recent-module-versions"];

    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Repository.Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repository.Infra, file));
        }
        return data;
    }

    [Fact]
    public void Build_WritesTheTemplate_WithoutAnyDiagnostic()
    {
        Assert.True(compiled.Build.ExitCode == 0, compiled.Build.StandardError);
        Assert.Empty(compiled.Build.Diagnostics);
        Assert.Equal(string.Empty, compiled.Build.StandardError.Trim());
        Assert.NotNull(compiled.Document);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Lint_ReportsNothing(string file)
    {
        var run = await BicepCli.RunAsync("lint", Repository.InfraFile(file));

        Assert.True(run.ExitCode == 0, $"bicep lint {file} exited {run.ExitCode}:\n{run.StandardError}{run.StandardOutput}");
        Assert.Empty(run.Diagnostics);
        Assert.Equal(string.Empty, run.StandardError.Trim());
    }

    [Fact]
    public void EveryModule_IsLocal()
    {
        foreach (var file in Directory.EnumerateFiles(Repository.Infra, "*.bicep", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts/", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BicepConfig_TurnsEveryLinterRuleIntoAnError()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Repository.InfraFile("bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        var rules = core.GetProperty("rules").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("level").GetString());

        Assert.True(core.GetProperty("enabled").GetBoolean());
        // The rules that matter most here must be among them.
        Assert.Superset(
            new HashSet<string> { "no-unused-params", "no-unused-vars", "outputs-should-not-contain-secrets", "no-hardcoded-env-urls", "use-recent-api-versions", "use-secure-value-for-secure-inputs", "secure-secrets-in-params" },
            rules.Keys.ToHashSet());
        Assert.All(rules.Where(r => !RulesAllowedOff.Contains(r.Key)), r => Assert.True(r.Value == "error", $"{r.Key} is '{r.Value}'"));
    }

    /// <summary>The gate itself works: a warning-level finding in a template fails lint under our config.</summary>
    [Fact]
    public async Task Lint_Fails_WhenATemplateHasAFinding()
    {
        var directory = Directory.CreateTempSubdirectory("afirgen-bicep-lint-").FullName;
        try
        {
            File.Copy(Repository.InfraFile("bicepconfig.json"), Path.Combine(directory, "bicepconfig.json"));
            var file = Path.Combine(directory, "unused.bicep");
            await File.WriteAllTextAsync(file, "@description('Never used.')\nparam unused string\n");

            var run = await BicepCli.RunAsync("lint", file);

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(run.Diagnostics, d => d.Contains("no-unused-params", StringComparison.Ordinal) && d.Contains(" : Error ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
