using System.Diagnostics;
using System.Text;

namespace Afirgen.TaskProcessor.Cli.Tests.EndToEnd;

/// <summary>
/// <c>afirgen-tasks run …</c> as a child process, its output collected, stopped with a signal as a person or a
/// supervisor would (SIGTERM, or SIGINT for Ctrl+C) and killed if it does not stop in time.
/// </summary>
internal sealed class RunningHost : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RunningHost(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Starts <c>dotnet afirgen-tasks.dll</c> with <paramref name="args"/>.</summary>
    public static RunningHost Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "afirgen-tasks.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return new RunningHost(Process.Start(info)!);
    }

    /// <summary>Everything it has written so far, both streams.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until its output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"afirgen-tasks did not write '{text}' within {timeout.TotalSeconds} s: {Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (TERM or INT) and waits for the process and its last lines; kills it if it hangs.</summary>
    /// <returns>Whether it exited by itself within <paramref name="timeout"/>.</returns>
    public bool Stop(string signal, TimeSpan timeout)
    {
        if (_process.HasExited) return true;
        Process.Start("kill", [$"-{signal}", _process.Id.ToString()])!.WaitForExit();
        var exited = _process.WaitForExit(timeout);
        if (!exited) _process.Kill(entireProcessTree: true);
        // The timed wait can return before the output handlers have seen the last lines; this one waits for them.
        _process.WaitForExit();
        return exited;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
