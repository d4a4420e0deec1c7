namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>Where a message stands in its embedded queue.</summary>
internal enum QueuedMessageState
{
    /// <summary>Held until its due time (Service Bus: a scheduled message).</summary>
    Scheduled,

    /// <summary>In the ready queue, waiting for a receiver.</summary>
    Ready,

    /// <summary>Handed to a receiver under a peek-lock.</summary>
    Locked,

    /// <summary>Completed or dead-lettered: no longer in the queue.</summary>
    Removed,
}
