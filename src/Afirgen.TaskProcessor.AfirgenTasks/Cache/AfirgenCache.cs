using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cache;

/// <summary>
/// AFIRGen's Redis cache: its own connection when <c>Afirgen:Cache:Configuration</c> is set, otherwise the
/// processor's Redis (the engine's shared multiplexer), in database <c>Afirgen:Cache:Database</c>.
/// </summary>
public sealed class AfirgenCache(IOptions<CacheOptions> options, IServiceProvider services) : IAsyncDisposable
{
    private readonly Lazy<IConnectionMultiplexer?> _own = new(() =>
    {
        if (string.IsNullOrWhiteSpace(options.Value.Configuration)) return null;
        var configuration = ConfigurationOptions.Parse(options.Value.Configuration);
        configuration.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(configuration);
    });

    public CacheOptions Options => options.Value;

    /// <summary>The cache database; a non-retried failure saying what to configure when there is no Redis at all.</summary>
    public IDatabase Database => Connection.GetDatabase(options.Value.Database);

    /// <summary>The multiplexer the cache is reached through.</summary>
    public IConnectionMultiplexer Connection =>
        _own.Value
        ?? services.GetService<IConnectionMultiplexer>()
        ?? throw new PermanentTaskException("No Redis is configured for AFIRGen's cache: set Afirgen:Cache:Configuration (or TaskProcessor:Redis:Configuration), e.g. localhost:6379.");

    public async ValueTask DisposeAsync()
    {
        if (_own.IsValueCreated && _own.Value is { } own)
        {
            await own.DisposeAsync().ConfigureAwait(false);
        }
    }
}
