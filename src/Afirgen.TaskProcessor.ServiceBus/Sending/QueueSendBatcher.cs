using System.Threading.Channels;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Sending;

/// <summary>
/// Sends one queue's immediate messages in batches: what callers hand over while a send is on the wire goes
/// out together in the next <see cref="ServiceBusMessageBatch"/>, so many concurrent sends (children, follow-ups,
/// replays, a burst of API calls) cost a few round trips instead of one each. A lone message goes at once.
/// </summary>
/// <remarks>
/// One loop per queue owns the sender's batches; it ends when <see cref="DisposeAsync"/> completes the channel.
/// A batch is sent atomically, so a failure fails every caller whose message was in it and none of them is
/// half-sent. Batches are sent without the callers' tokens (one caller's cancellation must not cancel the
/// others' messages); the SDK's own retry policy and try-timeout bound them.
/// </remarks>
internal sealed class QueueSendBatcher : IAsyncDisposable
{
    private readonly ServiceBusSender _sender;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public QueueSendBatcher(ServiceBusSender sender)
    {
        _sender = sender;
        _loop = RunAsync();
    }

    /// <summary>Sends <paramref name="message"/> in the next batch; completes when that batch is accepted.</summary>
    public Task SendAsync(ServiceBusMessage message, CancellationToken cancellationToken)
    {
        var pending = new Pending(message);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(QueueSendBatcher), $"The sender for queue '{_sender.EntityPath}' is closed: the host is shutting down.");
        }
        return pending.Sent.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        Pending? carried = null;
        while (carried is not null || await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var inBatch = new List<Pending>();
            try
            {
                using var batch = await _sender.CreateMessageBatchAsync().ConfigureAwait(false);
                while ((carried ?? (_pending.Reader.TryRead(out var next) ? next : null)) is { } item)
                {
                    carried = null;
                    if (batch.TryAddMessage(item.Message))
                    {
                        inBatch.Add(item);
                    }
                    else if (inBatch.Count == 0)
                    {
                        item.Sent.TrySetException(new InvalidOperationException(
                            $"Message '{item.Message.MessageId}' is larger than a Service Bus batch allows ({batch.MaxSizeInBytes} bytes) for queue '{_sender.EntityPath}'; lower TaskProcessor:Messages:MaxMessageBytes or use the Premium tier."));
                    }
                    else
                    {
                        carried = item; // full: it opens the next batch
                        break;
                    }
                }
                if (inBatch.Count > 0)
                {
                    await _sender.SendMessagesAsync(batch).ConfigureAwait(false);
                }
                foreach (var item in inBatch)
                {
                    item.Sent.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                foreach (var item in inBatch)
                {
                    item.Sent.TrySetException(ex);
                }
                // The batch could not even be created (connection, authorization): fail the one waiting too.
                if (inBatch.Count == 0 && (carried ?? (_pending.Reader.TryRead(out var next) ? next : null)) is { } waiting)
                {
                    carried = null;
                    waiting.Sent.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Stops taking messages, sends what was handed over, and ends the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private sealed class Pending(ServiceBusMessage message)
    {
        public ServiceBusMessage Message { get; } = message;
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
