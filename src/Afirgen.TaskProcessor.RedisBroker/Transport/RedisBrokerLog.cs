using Afirgen.TaskProcessor.RedisBroker.Connection;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>Log events of the Redis transport (ids 2100–2199).</summary>
internal static partial class RedisBrokerLog
{
    [LoggerMessage(2100, LogLevel.Information, "Using Celery's Redis broker at {Broker}: priority lists served {PriorityOrder}, visibility timeout {VisibilityTimeout}")]
    public static partial void Connecting(ILogger logger, string broker, PriorityOrder priorityOrder, TimeSpan visibilityTimeout);

    [LoggerMessage(2101, LogLevel.Warning, "Restored {Count} unacknowledged messages older than the visibility timeout ({VisibilityTimeout}): their workers stopped without settling them")]
    public static partial void Restored(ILogger logger, long count, TimeSpan visibilityTimeout);

    [LoggerMessage(2102, LogLevel.Warning, "Message {MessageId} on queue {Queue} was delivered {DeliveryCount} times, more than the maximum; dead-lettering it")]
    public static partial void MaxDeliveries(ILogger logger, string messageId, string queue, int deliveryCount);
}
