using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Settles a delivery with its broker (complete, dead-letter, abandon) and says so in the log and telemetry. Settling
/// never throws: a broker that fails to settle redelivers the message when its lock expires.
/// </summary>
internal sealed class DeliverySettler(TimeProvider time, TaskObservers observers, ILogger<TaskRunner> logger)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long settling, and the other clean-ups after an outcome is known, may take.</summary>
    public static TimeSpan Timeout => SettleTimeout;

    public Task CompleteAsync(ReceivedDelivery delivery) => SettleAsync(delivery, Settling.Complete);

    public Task DeadLetterAsync(ReceivedDelivery delivery, string reason, string description)
    {
        RunnerLog.DeadLettered(logger, delivery.Message.MessageId, delivery.Message.Queue, reason, description);
        TaskTelemetry.CountDeadLettered(delivery.Message.Queue, reason);
        return SettleAsync(delivery, Settling.DeadLetter, reason, description);
    }

    /// <summary>Gives the delivery back to the broker; <paramref name="message"/>, when read, is told to observers of what is given back.</summary>
    public Task AbandonAsync(ReceivedDelivery delivery, string why, Exception? exception, TaskMessage? message = null)
    {
        RunnerLog.Abandoned(logger, exception, delivery.Message.MessageId, delivery.Message.Queue, why);
        if (message is not null && observers.Any)
        {
            observers.Rejected(new RejectedMessage(message.Id, message.TaskName, delivery.Message.Queue, "GivenBack", "Given back to the broker: " + why + ".", Requeued: true));
        }
        return SettleAsync(delivery, Settling.Abandon);
    }

    private enum Settling
    {
        Complete,
        DeadLetter,
        Abandon,
    }

    private Task SettleAsync(ReceivedDelivery delivery, Settling how, string reason = "", string description = "")
    {
        // Once the outcome is stored, settling must not be cut short by shutdown: it is not given the
        // abort token, only a timeout of its own (and a timer only when the broker did not answer at once).
        Task settling;
        try
        {
            settling = how switch
            {
                Settling.Complete => delivery.Settlement.CompleteAsync(CancellationToken.None),
                Settling.DeadLetter => delivery.Settlement.DeadLetterAsync(reason, description, CancellationToken.None),
                _ => delivery.Settlement.AbandonAsync(CancellationToken.None),
            };
        }
        catch (Exception ex)
        {
            settling = Task.FromException(ex); // a settlement that throws before it returns is handled as one that fails
        }
        return settling.IsCompletedSuccessfully ? Task.CompletedTask : AwaitSettlingAsync(delivery, settling);
    }

    private async Task AwaitSettlingAsync(ReceivedDelivery delivery, Task settling)
    {
        try
        {
            await settling.WaitAsync(SettleTimeout, time).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            RunnerLog.LockLost(logger, delivery.Message.MessageId, delivery.Message.Queue);
        }
        catch (Exception ex)
        {
            RunnerLog.SettleFailed(logger, ex, delivery.Message.MessageId, delivery.Message.Queue);
        }
    }
}
