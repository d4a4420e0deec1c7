using System.Reflection;
using System.Text.Json;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// Every Afirgen__* setting, in the templates and in local.settings.sample.json, names a property the
/// AFIRGen tasks' options classes bind: read from the classes themselves (their Section constants and
/// properties), so a renamed option or a misspelt setting (TaskProcessor__Blob__*, ArchivesContainer)
/// fails here rather than at start-up in Azure.
/// </summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class AfirgenSettingsTests(CompiledTemplate compiled)
{
    /// <summary>Section ("Afirgen:Storage") → its options class's settable property names.</summary>
    private static readonly Dictionary<string, HashSet<string>> Options = typeof(StorageOptions).Assembly.GetTypes()
        .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
        .Where(t => t.Section?.StartsWith("Afirgen:", StringComparison.Ordinal) == true)
        .ToDictionary(
            t => t.Section!,
            t => t.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(StringComparer.Ordinal));

    [Fact]
    public void OptionsClasses_AreFound()
    {
        Assert.Superset(new HashSet<string> { "Afirgen:Database", "Afirgen:Smtp", "Afirgen:Storage", "Afirgen:Cache", "Afirgen:Demo" }, Options.Keys.ToHashSet());
        Assert.Contains("ArchiveContainer", Options["Afirgen:Storage"]);
    }

    [Fact]
    public void EveryAfirgenSetting_InTheTemplates_IsAnOptionTheTasksRead()
    {
        var settings = WorkerGroupTests.Apps(compiled.Deployment(Expectations.WithAllSecrets())).SelectMany(a => a.Settings.Keys).Distinct();

        AssertAllKnown(settings);
    }

    [Fact]
    public void EveryAfirgenSetting_InTheLocalSample_IsAnOptionTheTasksRead()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Repository.RootFile("local.settings.sample.json")));

        AssertAllKnown(sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Azure_GivesTheTasksBlobStorageByIdentity_AndEveryBackEndTheyNeed()
    {
        var app = WorkerGroupTests.Apps(compiled.Deployment(Expectations.WithAllSecrets()))[0];
        string Key(string section, string property) => $"{section.Replace(":", "__", StringComparison.Ordinal)}__{property}";

        // Storage by service URI (managed identity), never by connection string.
        Assert.Contains(Key(StorageOptions.Section, nameof(StorageOptions.ServiceUri)), app.Settings.Keys);
        Assert.DoesNotContain(Key(StorageOptions.Section, nameof(StorageOptions.ConnectionString)), app.Settings.Keys);
        Assert.Contains(Key(StorageOptions.Section, nameof(StorageOptions.ReportsContainer)), app.Settings.Keys);
        Assert.Contains(Key(StorageOptions.Section, nameof(StorageOptions.ArchiveContainer)), app.Settings.Keys);
        Assert.Contains(Key(AfirgenTasks.Records.DatabaseOptions.Section, nameof(AfirgenTasks.Records.DatabaseOptions.ConnectionString)), app.Settings.Keys);
        Assert.Contains(Key(AfirgenTasks.Email.SmtpOptions.Section, nameof(AfirgenTasks.Email.SmtpOptions.Host)), app.Settings.Keys);
        // Demo mode stays off in Azure (its default): a missing back-end must stop the start, not be stood in for.
        Assert.DoesNotContain(app.Settings.Keys, k => k.StartsWith("Afirgen__Demo__", StringComparison.Ordinal));
        // The cache is left to its default, the processor's own Redis connection (Entra ID).
        Assert.DoesNotContain(app.Settings.Keys, k => k.StartsWith("Afirgen__Cache__", StringComparison.Ordinal));
    }

    private static void AssertAllKnown(IEnumerable<string> settings)
    {
        var afirgen = settings.Where(s => s.StartsWith("Afirgen__", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(afirgen);
        Assert.All(afirgen, setting =>
        {
            var cut = setting.LastIndexOf("__", StringComparison.Ordinal);
            var section = setting[..cut].Replace("__", ":", StringComparison.Ordinal);
            var property = setting[(cut + 2)..];
            Assert.True(Options.TryGetValue(section, out var properties), $"{setting}: no options class binds section {section}.");
            Assert.True(properties.Contains(property), $"{setting}: {section} has no property {property} (it has {string.Join(", ", properties.Order())}).");
        });
    }
}
