namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// Azurite's Blob service (npm <c>azurite</c>, installed under tools/azurite by the install script) on a
/// free loopback port with a temporary data folder, owned by the test that starts it.
/// </summary>
public sealed class AzuriteServer : LocalServer
{
    /// <summary>Azurite's well-known development account (public, documented, not a secret).</summary>
    public const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzuriteServer(int port, string directory) : base(port, directory)
    {
    }

    /// <summary>A Blob Storage connection string for the development account on this server.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{AccountName};";

    public static async Task<AzuriteServer> StartAsync()
    {
        return await StartNewAsync(new AzuriteServer(RedisServer.FreePort(), Directory.CreateTempSubdirectory("afirgen-azurite-").FullName));
    }

    private protected override ServerProcess Launch()
    {
        var binary = Path.Combine(RepositoryRoot.Path, "tools", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Azurite is not installed at {binary}. Run scripts/install-prerequisites.sh (it runs npm ci in tools/azurite).");
        }
        return ServerProcess.Start(binary,
        [
            "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", WorkingDirectory,
            // The Azure SDK may speak a newer REST version than this Azurite knows; the calls we make exist in both.
            "--skipApiVersionCheck", "--loose", "--silent",
        ], WorkingDirectory);
    }

    private protected override Task WaitUntilReadyAsync(ServerProcess process) =>
        process.WaitForPortAsync("azurite-blob", Port, TimeSpan.FromSeconds(30));
}
