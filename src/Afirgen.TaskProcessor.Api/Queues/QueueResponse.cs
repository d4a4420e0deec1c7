using Afirgen.TaskProcessor.Engine.Monitoring;

namespace Afirgen.TaskProcessor.Api.Queues;

/// <summary>
/// One queue in <c>GET /api/queues</c>: its totals over every lane, and its lanes (highest first, then the base lane)
/// on a broker that keeps lanes as queues (Service Bus); <see cref="Lanes"/> is empty elsewhere.
/// </summary>
public sealed record QueueResponse(string Name, int DefaultPriority, long Waiting, long Scheduled, long InFlight, long DeadLettered, IReadOnlyList<LaneDepth> Lanes);
