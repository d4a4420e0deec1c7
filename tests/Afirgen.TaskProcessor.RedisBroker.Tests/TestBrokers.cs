using RedisTransport = Afirgen.TaskProcessor.RedisBroker.Transport.RedisBroker;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.Tests;

/// <summary>Redis transports for tests: each under a fresh kombu global key prefix unless told one.</summary>
internal static class TestBrokers
{
    public static string FreshPrefix() => "t" + Guid.NewGuid().ToString("N")[..8] + ":";

    public static RedisTransport Create(RedisServer server, string prefix, int database = 1, Action<RedisBrokerOptions>? configure = null,
        BrokerQueueOptions? queue = null)
    {
        var options = new RedisBrokerOptions
        {
            Url = server.Url(database),
            GlobalKeyPrefix = prefix,
            RestoreInterval = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new RedisTransport(Options.Create(options), Options.Create(queue ?? new BrokerQueueOptions()), TimeProvider.System,
            NullLogger<RedisTransport>.Instance);
    }
}
