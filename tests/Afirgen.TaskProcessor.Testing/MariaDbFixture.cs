using Xunit;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>One MariaDB server shared by a test collection; each test class creates its own database.</summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    public MariaDbServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await MariaDbServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
