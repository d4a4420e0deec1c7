using System.Diagnostics;

namespace Afirgen.TaskProcessor.Infra.Tests.Bicep;

/// <summary>What one run of the Bicep compiler printed.</summary>
public sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Every line the compiler printed that is a diagnostic (error, warning, info).</summary>
    public IReadOnlyList<string> Diagnostics =>
        (StandardError + "\n" + StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(" : Error ", StringComparison.Ordinal)
                || line.Contains(" : Warning ", StringComparison.Ordinal)
                || line.Contains(" : Info ", StringComparison.Ordinal))
            .ToList();
}

/// <summary>Runs the real Bicep compiler (offline: our templates use local modules only).</summary>
public static class BicepCli
{
    public static async Task<BicepRun> RunAsync(params string[] arguments)
    {
        var executable = Repository.BicepExecutable;
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException(
                "The Bicep compiler was not restored; `dotnet restore tests/Infra.Tests` fetches the NuGet package Azure.Bicep.CommandLine.linux-x64.",
                executable);
        }
        EnsureExecutable(executable);

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry, no update checks: the compiler must not need the network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran for more than 3 minutes");
            }
        }
        return new BicepRun(process.ExitCode, await stdout, await stderr);
    }

    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        }
    }
}
