using Afirgen.TaskProcessor.Engine.Broker;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>A worker that dies before its settlement reaches the broker: the message stays locked until its lock expires.</summary>
public sealed class CrashBeforeSettling : IMessageSettlement
{
    public Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task AbandonAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken) => Task.FromResult(DateTimeOffset.MaxValue);
}
