namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>The random source for retry jitter, injected so tests can seed it. Access is locked by its users.</summary>
public sealed class RetryRandom(Random random)
{
    public Random Random { get; } = random;
}
