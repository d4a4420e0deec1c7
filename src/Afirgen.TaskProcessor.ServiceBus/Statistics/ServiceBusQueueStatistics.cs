using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Routing;
using Azure.Messaging.ServiceBus.Administration;

namespace Afirgen.TaskProcessor.ServiceBus.Statistics;

/// <summary>
/// Queue depths for <c>GET /api/queues</c>, from each queue's runtime properties.
/// </summary>
/// <remarks>
/// Service Bus counts locked (in-flight) messages among the active ones and reports no separate figure, so
/// <see cref="QueueStatistics.Waiting"/> includes them and <see cref="QueueStatistics.InFlight"/> is 0.
/// Dead-lettered counts both the dead-letter and the transfer dead-letter sub-queue. A queue with priority lanes
/// counts every lane's messages (<c>reports</c> and <c>reports-high</c> as <c>reports</c>).
/// </remarks>
public sealed class ServiceBusQueueStatistics(ServiceBusAdministrationClient administration, QueueLanes lanes) : IQueueStatisticsSource
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        try
        {
            var perQueue = await Task.WhenAll(queues.Select(async q =>
            {
                var properties = await Task.WhenAll(LaneQueues(q).Select(l => administration.GetQueueRuntimePropertiesAsync(l, cancellationToken))).ConfigureAwait(false);
                var each = properties.Select(p => From(p.Value)).ToArray();
                return new QueueStatistics(q, each.Sum(s => s.Waiting), each.Sum(s => s.Scheduled), 0, each.Sum(s => s.DeadLettered));
            })).ConfigureAwait(false);
            return perQueue;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException(
                "Reading queue statistics needs the Manage right on the Service Bus namespace, which Data Receiver and Data Sender do not give: " +
                "assign the app's identity Azure Service Bus Data Owner on the namespace (see infra/README.md).", ex);
        }
    }

    // A queue's lanes, or a lane alone when one is named.
    private IEnumerable<string> LaneQueues(string queue) =>
        lanes.LaneOf(queue) is { Name: not null } lane ? [lane.Queue] : lanes.LanesOf(queue).Select(l => l.Queue);

    /// <summary>The engine's statistics from one queue's runtime properties.</summary>
    public static QueueStatistics From(QueueRuntimeProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return new QueueStatistics(
            properties.Name,
            Waiting: properties.ActiveMessageCount,
            Scheduled: properties.ScheduledMessageCount,
            InFlight: 0,
            DeadLettered: properties.DeadLetterMessageCount + properties.TransferDeadLetterMessageCount);
    }
}
