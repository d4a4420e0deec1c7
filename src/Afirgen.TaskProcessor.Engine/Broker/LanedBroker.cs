namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Registered by a broker adapter that keeps each priority lane as a queue of its own (Service Bus, which has no
/// message priority): the priority gate then serves those queues by the <see cref="Priority.LaneServing"/> rule.
/// Brokers that order a queue's whole backlog by priority (the embedded broker, the Redis transport) do not
/// register it, and their gate serves by priority alone.
/// </summary>
public sealed class LanedBroker;
