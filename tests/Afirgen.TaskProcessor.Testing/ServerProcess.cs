using System.Diagnostics;
using System.Net.Sockets;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// Starts a server process for a fixture, keeps the tail of its output for error messages, and waits
/// until it accepts TCP connections.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly List<string> _output = [];

    private ServerProcess(Process process) => Process = process;

    public Process Process { get; }

    public static ServerProcess Start(string binary, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until something accepts connections on 127.0.0.1:<paramref name="port"/>; fails with the output if the process exits first.</summary>
    public Task WaitForPortAsync(string name, int port, TimeSpan timeout) =>
        WaitUntilAsync(name, $"accepted connections on port {port}", timeout, async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        });

    /// <summary>
    /// Waits until <paramref name="ready"/> holds (polled every 50 ms); fails with the process's output if it exits
    /// first or <paramref name="timeout"/> passes. <paramref name="what"/> finishes "… before it" / "… did not … within".
    /// </summary>
    public async Task WaitUntilAsync(string name, string what, TimeSpan timeout, Func<Task<bool>> ready)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {Process.ExitCode} before it {what}:\n{Tail()}");
            }
            if (await ready())
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"{name} had not {what} within {timeout.TotalSeconds} s:\n{Tail()}");
    }

    public async Task StopAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
    }

    /// <summary>The last <paramref name="lines"/> lines the process printed (at most the 200 it keeps).</summary>
    public string Tail(int lines = 30)
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(lines));
        }
    }

    public void Dispose() => Process.Dispose();

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200) _output.RemoveAt(0);
        }
    }
}
