using Afirgen.TaskProcessor.Engine.Broker;
using Azure.Messaging.ServiceBus.Administration;

namespace Afirgen.TaskProcessor.ServiceBus.Statistics;

/// <summary>
/// Queue depths for <c>GET /api/queues</c>, from each queue's runtime properties.
/// </summary>
/// <remarks>
/// Service Bus counts locked (in-flight) messages among the active ones and reports no separate figure, so
/// <see cref="QueueStatistics.Waiting"/> includes them and <see cref="QueueStatistics.InFlight"/> is 0.
/// Dead-lettered counts both the dead-letter and the transfer dead-letter sub-queue.
/// </remarks>
public sealed class ServiceBusQueueStatistics(ServiceBusAdministrationClient administration) : IQueueStatisticsSource
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        try
        {
            var properties = await Task.WhenAll(queues.Select(q => administration.GetQueueRuntimePropertiesAsync(q, cancellationToken))).ConfigureAwait(false);
            return properties.Select(p => From(p.Value)).ToArray();
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException(
                "Reading queue statistics needs the Manage right on the Service Bus namespace, which Data Receiver and Data Sender do not give: " +
                "assign the app's identity Azure Service Bus Data Owner on the namespace (see infra/README.md).", ex);
        }
    }

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
