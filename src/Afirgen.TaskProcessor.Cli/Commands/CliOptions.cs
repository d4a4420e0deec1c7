using System.CommandLine;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CliOptions
{
    public static Option<string> Api() => new("--api")
    {
        Description = "The local host's base URL, or the Functions app's with its function key: https://<app>.azurewebsites.net/?code=<key> (or set AFIRGEN_TASKS_API_KEY).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AFIRGEN_TASKS_API") ?? "http://127.0.0.1:7071",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON for scripts instead of text." };
}
