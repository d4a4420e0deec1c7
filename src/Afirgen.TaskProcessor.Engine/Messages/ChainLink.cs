namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>A link of a chain still to run: the task id it will run under and its task name (never its arguments).</summary>
public sealed record ChainLink(string TaskId, string TaskName);
