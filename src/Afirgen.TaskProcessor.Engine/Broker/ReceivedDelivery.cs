namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>A received message together with the means to settle it.</summary>
public sealed record ReceivedDelivery(ReceivedMessage Message, IMessageSettlement Settlement);
