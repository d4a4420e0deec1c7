using System.Reflection;

namespace Afirgen.TaskProcessor.Infra.Tests.Bicep;

/// <summary>Paths baked into the test assembly at build time (see Infra.Tests.csproj).</summary>
public static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    /// <summary>The Bicep compiler restored from NuGet (Azure.Bicep.CommandLine.linux-x64).</summary>
    public static string BicepExecutable { get; } = Metadata("BicepPath");

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string InfraFile(string relativePath) => Path.Combine(Infra, relativePath);

    public static string RootFile(string relativePath) => Path.Combine(Root, relativePath);

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing.");
}
