using Afirgen.TaskProcessor.Engine.Broker;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Sending;

/// <summary>How an engine message is written as a Service Bus message.</summary>
public static class ServiceBusMessages
{
    /// <summary>The MIME type of kombu's JSON envelope.</summary>
    public const string ContentType = "application/json";

    /// <summary>
    /// The Service Bus message for <paramref name="message"/>: its message id (duplicate detection drops a
    /// second send of the same cause), the envelope as the body, the task id as the correlation id (kombu's
    /// <c>correlation_id</c>), the task name as the subject, and task name and priority as application properties.
    /// </summary>
    public static ServiceBusMessage From(OutgoingMessage message) => new(message.Body)
    {
        MessageId = message.MessageId,
        CorrelationId = message.TaskId,
        Subject = message.TaskName,
        ContentType = ContentType,
        ApplicationProperties =
        {
            [ServiceBusPropertyNames.TaskName] = message.TaskName,
            [ServiceBusPropertyNames.Priority] = message.Priority,
        },
    };
}
