using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.DeadLetters;

/// <summary>How a message in a dead-letter sub-queue is shown to monitoring.</summary>
public static class DeadLetteredMessages
{
    /// <summary>
    /// The engine's view of <paramref name="message"/>, peeked from <paramref name="queue"/>'s dead-letter
    /// queue. Task id, name and priority come from the properties our producers set, or else from the Celery
    /// envelope (kombu's producers set no properties); a body that is not an envelope leaves them empty.
    /// </summary>
    public static DeadLetteredMessage From(string queue, ServiceBusReceivedMessage message, CeleryMessageParser parser)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(parser);
        var properties = message.ApplicationProperties;
        var body = message.Body.ToMemory();
        string taskId, taskName;
        int priority;
        if (properties.TryGetValue(ServiceBusPropertyNames.TaskName, out var name) && name is string n
            && properties.TryGetValue(ServiceBusPropertyNames.Priority, out var p) && p is int pr
            && !string.IsNullOrEmpty(message.CorrelationId))
        {
            (taskId, taskName, priority) = (message.CorrelationId, n, pr);
        }
        else if (parser.Parse(body) is ParseOutcome.Parsed parsed)
        {
            (taskId, taskName, priority) = (parsed.Message.Id, parsed.Message.TaskName, parsed.Message.Priority ?? 0);
        }
        else
        {
            (taskId, taskName, priority) = ("", "", 0);
        }
        // Service Bus records no dead-lettering time; our settlement stamps one, the broker's own
        // dead-lettering (max delivery count, expiry) does not, and then the enqueued time stands in.
        var deadLetteredAt = properties.TryGetValue(ServiceBusPropertyNames.DeadLetteredAt, out var at) && at is DateTimeOffset stamped
            ? stamped
            : message.EnqueuedTime;
        return new DeadLetteredMessage(
            queue,
            message.SequenceNumber,
            message.MessageId ?? "",
            taskId,
            taskName,
            priority,
            body,
            message.DeadLetterReason ?? "",
            message.DeadLetterErrorDescription ?? "",
            message.DeliveryCount,
            message.EnqueuedTime,
            deadLetteredAt);
    }
}
