namespace Afirgen.TaskProcessor.Engine.Publishing;

/// <summary>A task request that cannot be enqueued as given; the message says what to change.</summary>
public class InvalidTaskRequestException(string message) : Exception(message);

/// <summary>The task's message would exceed the broker's size limit.</summary>
public sealed class TaskMessageTooLargeException(string message) : InvalidTaskRequestException(message);
