namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// A server process a test owns, on a free loopback port with a temporary folder of its own: started,
/// stopped for an outage, started again on the same port and folder, and cleaned up with the folder.
/// </summary>
public abstract class LocalServer : IAsyncDisposable
{
    private ServerProcess? _process;

    protected LocalServer(int port, string directory)
    {
        Port = port;
        WorkingDirectory = directory;
    }

    public int Port { get; }

    /// <summary>The server's own temporary folder (data, sockets, logs).</summary>
    protected string WorkingDirectory { get; }

    /// <summary>Starts the server process (not yet waiting for it).</summary>
    private protected abstract ServerProcess Launch();

    /// <summary>Waits until the started process serves; throws with its output if it does not.</summary>
    private protected abstract Task WaitUntilReadyAsync(ServerProcess process);

    /// <summary>Starts the server (again) on its port and folder and waits until it serves.</summary>
    public async Task StartAgainAsync()
    {
        _process = Launch();
        await WaitUntilReadyAsync(_process);
    }

    /// <summary>Kills the server (an outage). Its folder stays for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync();
            _process.Dispose();
            _process = null;
        }
        OnStopped();
    }

    /// <summary>Called once the process is gone (e.g. to drop client pools that would reuse dead connections).</summary>
    protected virtual void OnStopped()
    {
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; not worth failing a test run.
        }
    }

    /// <summary>Starts <paramref name="server"/>, or disposes of it (and its folder) if it does not come up.</summary>
    protected static async Task<T> StartNewAsync<T>(T server) where T : LocalServer
    {
        try
        {
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
