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
    public async Task WaitForPortAsync(string name, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {Process.ExitCode} before it accepted connections:\n{Tail()}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"{name} did not accept connections on port {port} within {timeout.TotalSeconds} s:\n{Tail()}");
    }

    public async Task StopAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
    }

    public string Tail()
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(30));
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
