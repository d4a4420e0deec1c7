namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>What the settle script does with a delivery it still holds.</summary>
internal enum SettleOperation
{
    Complete,
    Abandon,
    DeadLetter,
}
