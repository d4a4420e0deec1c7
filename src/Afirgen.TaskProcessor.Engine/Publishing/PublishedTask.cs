namespace Afirgen.TaskProcessor.Engine.Publishing;

/// <summary>What was enqueued: the id to ask about, and where and how it went.</summary>
public sealed record PublishedTask(string TaskId, string TaskName, string Queue, int Priority, DateTimeOffset? Eta, DateTimeOffset? Expires);
