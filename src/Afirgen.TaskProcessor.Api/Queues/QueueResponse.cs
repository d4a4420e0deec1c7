namespace Afirgen.TaskProcessor.Api.Queues;

/// <summary>One queue in <c>GET /api/queues</c>.</summary>
public sealed record QueueResponse(string Name, int DefaultPriority, long Waiting, long Scheduled, long InFlight, long DeadLettered);
