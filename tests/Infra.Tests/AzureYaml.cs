using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// Reads the services of our azure.yaml (a flat, two-level structure we write ourselves), so the tests
/// need no YAML library. Anything it does not expect makes it throw.
/// </summary>
public static class AzureYaml
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Services()
    {
        var services = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        Dictionary<string, string>? current = null;
        var inServices = false;
        foreach (var raw in File.ReadAllLines(Repository.RootFile("azure.yaml")))
        {
            var line = raw.Split('#')[0].TrimEnd();
            if (line.Length == 0) continue;
            var indent = line.Length - line.TrimStart().Length;
            if (indent == 0)
            {
                inServices = line == "services:";
                continue;
            }
            if (!inServices) continue;
            var (key, value) = Split(line.Trim());
            if (indent == 2 && value.Length == 0)
            {
                current = new Dictionary<string, string>();
                services[key] = current;
            }
            else if (indent == 4 && current is not null)
            {
                current[key] = value;
            }
            else
            {
                throw new FormatException($"Unexpected line in azure.yaml services: '{raw}'");
            }
        }
        return services;
    }

    private static (string Key, string Value) Split(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? throw new FormatException(line) : (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }
}
