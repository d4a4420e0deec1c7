namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>Where a task name goes and the priority it gets when nothing more specific sets one.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="DefaultPriority">The route's priority if it has one, else the queue's default.</param>
public sealed record TaskRoute(string Queue, int DefaultPriority);
