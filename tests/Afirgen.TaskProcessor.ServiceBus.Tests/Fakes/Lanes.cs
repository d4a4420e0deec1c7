using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>Lane maps for tests.</summary>
internal static class Lanes
{
    /// <summary>The seed's: every queue with a <c>high</c> lane for priorities 7–10.</summary>
    public static QueueLanes Seed { get; } = new(Options.Create(AfirgenRouting.CreateOptions()));

    /// <summary>The lanes <paramref name="configure"/> sets up on the seed's routing.</summary>
    public static QueueLanes Of(Action<RoutingOptions> configure)
    {
        var options = AfirgenRouting.CreateOptions();
        configure(options);
        return new QueueLanes(Options.Create(options));
    }
}
