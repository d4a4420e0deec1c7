using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>Checks the queue settings: a lock long enough to be renewed, and at least one delivery.</summary>
internal sealed class BrokerQueueOptionsValidator : IValidateOptions<BrokerQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, BrokerQueueOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.LockDuration < TimeSpan.FromSeconds(5))
        {
            result.AddError("The lock duration must be at least 5 seconds (TaskProcessor:Broker:LockDuration).");
        }
        if (options.MaxDeliveryCount < 1)
        {
            result.AddError("The max delivery count must be at least 1 (TaskProcessor:Broker:MaxDeliveryCount).");
        }
        return result.Build();
    }
}
