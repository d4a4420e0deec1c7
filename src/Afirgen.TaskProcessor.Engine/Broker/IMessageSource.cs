namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// Pulls messages from a queue in peek-lock mode. Hosts whose broker pushes messages (the Functions
/// app's Service Bus trigger) do not need one; the local host's consumers do.
/// </summary>
public interface IMessageSource
{
    /// <summary>
    /// Waits until at least one message is available on <paramref name="queue"/>, then locks and returns
    /// up to <paramref name="maxMessages"/> of them. Cancelling the token stops the wait and returns an
    /// empty list; it does not throw <see cref="OperationCanceledException"/>.
    /// </summary>
    ValueTask<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(string queue, int maxMessages, CancellationToken cancellationToken);
}
