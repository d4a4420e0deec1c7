using Xunit;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// One MariaDB server shared by a test collection (starting one takes a second or two); each test class
/// keeps apart with its own database from <see cref="MariaDbServer.CreateDatabaseAsync"/>.
/// </summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    public MariaDbServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await MariaDbServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
