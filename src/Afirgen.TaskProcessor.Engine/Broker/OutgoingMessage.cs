namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>A message to put on a queue.</summary>
/// <param name="MessageId">
/// Broker message id, used for duplicate detection: sending the same id twice within the broker's
/// window stores it once. Derived from the task id (see <c>Messages.MessageIds</c>).
/// </param>
/// <param name="TaskId">The Celery task id the body carries.</param>
/// <param name="TaskName">The Celery task name (Service Bus: <c>Subject</c> and an application property).</param>
/// <param name="Priority">The resolved priority, 1 (lowest) to 10 (highest).</param>
/// <param name="Body">kombu's JSON envelope, UTF-8.</param>
public sealed record OutgoingMessage(
    string MessageId,
    string TaskId,
    string TaskName,
    int Priority,
    ReadOnlyMemory<byte> Body);
