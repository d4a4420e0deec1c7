using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Testing;
using Afirgen.TaskProcessor.Testing.BrokerContract;

namespace Afirgen.TaskProcessor.RedisBroker.Tests.Transport;

/// <summary>
/// The broker contract on the Redis transport, on real time: the lock duration is kombu's visibility timeout,
/// so lock-expiry tests wait it out. Every test holds true for kombu's model with two notes: a body that is not a
/// kombu envelope (the contract sends "hello") travels wrapped in an opaque envelope and comes back unwrapped; and
/// a lock is lost when another delivery has replaced it (restore, then pop), not merely when its time passed, as
/// kombu's own acknowledgement also succeeds until a restore happens.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisBrokerContractTests(RedisFixture redis) : BrokerContract
{
    protected override Task<BrokerUnderTest> CreateAsync(BrokerQueueOptions settings)
    {
        var broker = TestBrokers.Create(redis.Server, TestBrokers.FreshPrefix(),
            configure: o => o.VisibilityTimeout = settings.LockDuration, queue: settings);
        return Task.FromResult(new BrokerUnderTest(broker, broker, broker, broker,
            delay => Task.Delay(delay),
            () => DateTimeOffset.UtcNow,
            broker));
    }
}
