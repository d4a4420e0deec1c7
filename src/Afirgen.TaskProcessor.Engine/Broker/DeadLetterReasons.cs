namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Every reason the processor dead-letters a message with. Operators search dead-letter queues for
/// these exact strings; add new ones here, never inline.
/// </summary>
public static class DeadLetterReasons
{
    /// <summary>The body is not a Celery message in kombu's JSON envelope (see the description for what was wrong).</summary>
    public const string MalformedMessage = "MalformedMessage";

    /// <summary>The body is larger than the configured maximum.</summary>
    public const string MessageTooLarge = "MessageTooLarge";

    /// <summary>No handler is registered under the message's task name.</summary>
    public const string UnknownTask = "UnknownTask";

    /// <summary>The task failed with an error its retry policy does not retry.</summary>
    public const string TaskFailed = "TaskFailed";

    /// <summary>The task failed on its last allowed retry.</summary>
    public const string MaxRetriesExceeded = "MaxRetriesExceeded";

    /// <summary>The task ran past its hard time limit.</summary>
    public const string HardTimeLimitExceeded = "HardTimeLimitExceeded";

    /// <summary>The task was cancelled at its soft time limit and did not finish.</summary>
    public const string SoftTimeLimitExceeded = "SoftTimeLimitExceeded";

    /// <summary>The broker delivered the message more times than the queue allows (workers kept dying or abandoning it).</summary>
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
}
