using Afirgen.TaskProcessor.ServiceBus.Sending;

namespace Afirgen.TaskProcessor.ServiceBus.DeadLetters;

/// <summary>What a settlement adds to a message it dead-letters.</summary>
public static class DeadLetterStamp
{
    /// <summary>
    /// The properties to modify when dead-lettering at <paramref name="now"/>: the time, which Service Bus
    /// does not record and monitoring shows (<see cref="DeadLetteredMessages"/>).
    /// </summary>
    public static Dictionary<string, object> Properties(DateTimeOffset now) => new(StringComparer.Ordinal)
    {
        [ServiceBusPropertyNames.DeadLetteredAt] = now,
    };
}
