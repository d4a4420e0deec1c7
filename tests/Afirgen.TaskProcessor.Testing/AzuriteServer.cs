namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// Azurite's Blob service (npm <c>azurite</c>, installed under tools/azurite by the install script) on a
/// free loopback port with a temporary data folder, owned by the test that starts it.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, documented, not a secret).</summary>
    public const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _directory;
    private ServerProcess? _process;

    private AzuriteServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>A Blob Storage connection string for the development account on this server.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{AccountName};";

    public static async Task<AzuriteServer> StartAsync()
    {
        var server = new AzuriteServer(RedisServer.FreePort(), Directory.CreateTempSubdirectory("afirgen-azurite-").FullName);
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

    /// <summary>Starts Azurite (again) on its port and folder, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var binary = Path.Combine(RepositoryRoot.Path, "tools", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Azurite is not installed at {binary}. Run scripts/install-prerequisites.sh (it runs npm ci in tools/azurite).");
        }
        _process = ServerProcess.Start(binary,
        [
            "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", _directory,
            // The Azure SDK may speak a newer REST version than this Azurite knows; the calls we make exist in both.
            "--skipApiVersionCheck", "--loose", "--silent",
        ], _directory);
        await _process.WaitForPortAsync("azurite-blob", Port, TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills Azurite (an outage).</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync();
            _process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; not worth failing a test run.
        }
    }
}
