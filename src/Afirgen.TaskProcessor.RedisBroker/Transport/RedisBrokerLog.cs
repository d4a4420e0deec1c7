using Afirgen.TaskProcessor.RedisBroker.Connection;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>Log events of the Redis transport (ids 2100–2199).</summary>
internal static partial class RedisBrokerLog
{
    [LoggerMessage(2100, LogLevel.Information, "Using Celery's Redis broker at {Broker}: priority lists served {PriorityOrder}; leases of {VisibilityTimeout} on the messages our workers hold, renewed while held; Celery workers' deliveries restored after {CeleryVisibilityTimeout}")]
    public static partial void Connecting(ILogger logger, string broker, PriorityOrder priorityOrder, TimeSpan visibilityTimeout, TimeSpan celeryVisibilityTimeout);

    [LoggerMessage(2101, LogLevel.Warning, "Restored {Count} unacknowledged messages to their queues: their workers stopped without settling them (our workers' leases of {VisibilityTimeout} ended unrenewed, or Celery workers' deliveries reached {CeleryVisibilityTimeout})")]
    public static partial void Restored(ILogger logger, long count, TimeSpan visibilityTimeout, TimeSpan celeryVisibilityTimeout);

    [LoggerMessage(2102, LogLevel.Warning, "Message {MessageId} on queue {Queue} was delivered {DeliveryCount} times, more than the maximum; dead-lettering it")]
    public static partial void MaxDeliveries(ILogger logger, string messageId, string queue, int deliveryCount);

    [LoggerMessage(2103, LogLevel.Error, "Dead-lettering message {MessageId} on queue {Queue} failed; it stays recorded and is dead-lettered when it is next delivered")]
    public static partial void DeadLetterFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(2104, LogLevel.Warning, "The broker's Redis at {Endpoint} keeps no append-only file (aof_enabled:0): if that Redis restarts, the queued and scheduled tasks in it are lost. Turn on appendonly (redis-server --appendonly yes; ./run.sh starts its Redis so)")]
    public static partial void NotPersisted(ILogger logger, string endpoint);

    [LoggerMessage(2105, LogLevel.Debug, "Could not ask the broker's Redis whether it keeps an append-only file")]
    public static partial void PersistenceUnknown(ILogger logger, Exception exception);

    [LoggerMessage(2106, LogLevel.Information, "The broker's Redis at {Endpoint} sends no keyspace notifications for lists, so an idle worker notices a new task at its next look, within {MaxPollInterval}. For sub-millisecond pick-up set notify-keyspace-events to Klg on that Redis (./run.sh starts its Redis so)")]
    public static partial void NoKeyspaceNotifications(ILogger logger, string endpoint, TimeSpan maxPollInterval);
}
