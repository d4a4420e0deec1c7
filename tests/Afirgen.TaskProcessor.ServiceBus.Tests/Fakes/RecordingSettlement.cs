using Afirgen.TaskProcessor.Engine.Broker;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;

/// <summary>The settlement a trigger would pass (in Functions: ServiceBusMessageActions), recording what the runner did.</summary>
internal sealed class RecordingSettlement : IMessageSettlement
{
    public List<string> Actions { get; } = [];
    public (string Reason, string Description)? DeadLettered { get; private set; }

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        Actions.Add("complete");
        return Task.CompletedTask;
    }

    public Task AbandonAsync(CancellationToken cancellationToken)
    {
        Actions.Add("abandon");
        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken)
    {
        Actions.Add("dead-letter");
        DeadLettered = (reason, description);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken)
    {
        Actions.Add("renew");
        return Task.FromResult(DateTimeOffset.MaxValue);
    }
}
