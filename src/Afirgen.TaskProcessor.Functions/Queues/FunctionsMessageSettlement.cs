using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.ServiceBus.DeadLetters;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Queues;

/// <summary>The engine's settlement port on the trigger's <see cref="ServiceBusMessageActions"/>.</summary>
internal sealed class FunctionsMessageSettlement(
    string queue, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, TimeProvider time, TimeSpan lockDuration) : IMessageSettlement
{
    public Task CompleteAsync(CancellationToken cancellationToken) =>
        SettleAsync(() => actions.CompleteMessageAsync(message, cancellationToken));

    public Task AbandonAsync(CancellationToken cancellationToken) =>
        SettleAsync(() => actions.AbandonMessageAsync(message, null, cancellationToken));

    // Stamped with the time: Service Bus keeps reason and description but not when.
    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
        SettleAsync(() => actions.DeadLetterMessageAsync(message, DeadLetterStamp.Properties(time.GetUtcNow()), reason, description, cancellationToken));

    // The host renews locks itself up to maxAutoLockRenewalDuration; this is for an engine that asks.
    // The call does not return the new expiry: estimate it from the queue's lock duration.
    public async Task<DateTimeOffset> RenewLockAsync(CancellationToken cancellationToken)
    {
        await SettleAsync(() => actions.RenewMessageLockAsync(message, cancellationToken)).ConfigureAwait(false);
        return time.GetUtcNow() + lockDuration;
    }

    private async Task SettleAsync(Func<Task> settle)
    {
        try
        {
            await settle().ConfigureAwait(false);
        }
        catch (Exception ex) when (ServiceBusLockLoss.Describes(ex))
        {
            throw new MessageLockLostException(queue, message.MessageId);
        }
    }
}
