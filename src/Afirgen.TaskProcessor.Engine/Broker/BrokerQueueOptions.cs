namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Queue settings the embedded broker applies to every queue; they mirror the Service Bus queue
/// properties set by the Bicep templates.
/// </summary>
public sealed class BrokerQueueOptions
{
    public const string Section = "TaskProcessor:Broker";

    /// <summary>How long a receiver holds a message before the broker hands it to another (Service Bus: LockDuration).</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries after which the broker dead-letters a message instead of redelivering it.</summary>
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>How long a message id is remembered to drop duplicates (Service Bus: DuplicateDetectionHistoryTimeWindow).</summary>
    public TimeSpan DuplicateDetectionWindow { get; set; } = TimeSpan.FromMinutes(10);
}
