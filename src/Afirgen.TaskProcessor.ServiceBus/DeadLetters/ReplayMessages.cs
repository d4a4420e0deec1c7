using Afirgen.TaskProcessor.ServiceBus.Sending;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.DeadLetters;

/// <summary>How a dead-lettered message is sent again to its queue.</summary>
public static class ReplayMessages
{
    /// <summary>
    /// A fresh copy of <paramref name="deadLettered"/>: same body, task id, subject and properties, without
    /// the dead-letter reason, description and time, due at once.
    /// </summary>
    /// <remarks>
    /// The message id stays the same unless the original was enqueued within the queue's duplicate-detection
    /// window (Service Bus would silently drop the copy): then it becomes <c>&lt;id&gt;.replay-&lt;sequence
    /// number&gt;</c>. Either id is derived from the dead letter alone, so a replay repeated after a crash
    /// (sent, but not yet completed in the dead-letter queue) is dropped as a duplicate.
    /// </remarks>
    public static ServiceBusMessage From(ServiceBusReceivedMessage deadLettered, DateTimeOffset now, TimeSpan duplicateDetectionWindow)
    {
        ArgumentNullException.ThrowIfNull(deadLettered);
        var copy = new ServiceBusMessage(deadLettered);
        copy.ApplicationProperties.Remove(ServiceBusPropertyNames.DeadLetterReason);
        copy.ApplicationProperties.Remove(ServiceBusPropertyNames.DeadLetterErrorDescription);
        copy.ApplicationProperties.Remove(ServiceBusPropertyNames.DeadLetteredAt);
        copy.ScheduledEnqueueTime = default;
        if (now - deadLettered.EnqueuedTime < duplicateDetectionWindow)
        {
            copy.MessageId = $"{deadLettered.MessageId}.replay-{deadLettered.SequenceNumber}";
        }
        return copy;
    }
}
