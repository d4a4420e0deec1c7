namespace Afirgen.TaskProcessor.ServiceBus.Sending;

/// <summary>
/// Application properties our messages carry beside the Celery envelope. The body stays the single source
/// of truth (kombu's producers set none of these); the properties let operators filter and browse queues
/// in Service Bus Explorer, and let dead-letter browsing skip parsing the body.
/// </summary>
public static class ServiceBusPropertyNames
{
    /// <summary>The Celery task name (also the message's <c>Subject</c>).</summary>
    public const string TaskName = "task";

    /// <summary>The resolved priority, 1 (lowest) to 10 (highest), as an int.</summary>
    public const string Priority = "priority";

    /// <summary>When the processor dead-lettered the message (set with the dead-letter reason; Service Bus records no such time).</summary>
    public const string DeadLetteredAt = "dead_lettered_at";

    /// <summary>The property Service Bus keeps the dead-letter reason in.</summary>
    internal const string DeadLetterReason = "DeadLetterReason";

    /// <summary>The property Service Bus keeps the dead-letter description in.</summary>
    internal const string DeadLetterErrorDescription = "DeadLetterErrorDescription";
}
