using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Testing.BrokerContract;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Broker;

/// <summary>The broker contract, run on the embedded broker with a fake clock.</summary>
public sealed class EmbeddedBrokerContractTests : BrokerContract
{
    protected override Task<BrokerUnderTest> CreateAsync(BrokerQueueOptions settings)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var broker = new EmbeddedBroker(Options.Create(settings), clock);
        return Task.FromResult(new BrokerUnderTest(broker, broker, broker, broker,
            delay =>
            {
                clock.Advance(delay);
                return Task.CompletedTask;
            },
            clock.GetUtcNow,
            new DisposeOnce(broker)));
    }

    private sealed class DisposeOnce(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
