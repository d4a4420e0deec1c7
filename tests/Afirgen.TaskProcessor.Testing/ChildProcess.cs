using System.Diagnostics;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>Runs a command line tool to its end for a test, reading both of its streams.</summary>
public static class ChildProcess
{
    /// <summary>What a run printed and how it ended.</summary>
    /// <param name="ExitCode">The process's exit code (after a kill, the signal's).</param>
    /// <param name="StdOut">Everything it wrote to standard output.</param>
    /// <param name="StdErr">Everything it wrote to standard error.</param>
    /// <param name="TimedOut">True when it was still running at the timeout and was killed (with its children), as Ctrl+C would stop it.</param>
    public readonly record struct Outcome(int ExitCode, string StdOut, string StdErr, bool TimedOut);

    /// <summary>
    /// Starts <paramref name="start"/> with both streams redirected and waits for it to exit; at
    /// <paramref name="timeout"/> it is killed, and the caller decides whether that was expected (a command that runs
    /// until stopped) or a failure.
    /// </summary>
    public static async Task<Outcome> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new Outcome(process.ExitCode, await stdout, await stderr, timedOut);
    }
}
