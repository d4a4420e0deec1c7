using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Receiving;

/// <summary>
/// Recognises a settlement that failed because the message is no longer ours: its lock expired, or it was
/// already settled. Settlement adapters turn these into the engine's <c>MessageLockLostException</c>; the
/// broker redelivers the message and the runner's terminal-result check keeps it from running twice.
/// </summary>
public static class ServiceBusLockLoss
{
    /// <summary>Whether <paramref name="exception"/> says the message's lock is gone.</summary>
    /// <remarks>
    /// A receiver throws <see cref="ServiceBusException"/> with reason
    /// <see cref="ServiceBusFailureReason.MessageLockLost"/>. In the Functions isolated worker, settlement is a
    /// gRPC call to the host: the host answers FailedPrecondition "LockToken … not found" when it no longer
    /// holds the message, and Unknown with its own <see cref="ServiceBusException"/> text (which names
    /// <c>MessageLockLost</c>) when Service Bus refused. Those arrive as an RpcException whose message
    /// carries the status detail, so they are recognised by text here, keeping gRPC types out of this library.
    /// </remarks>
    public static bool Describes(Exception exception) => exception switch
    {
        ServiceBusException { Reason: ServiceBusFailureReason.MessageLockLost or ServiceBusFailureReason.SessionLockLost } => true,
        ServiceBusException => false,
        _ => exception.Message.Contains(nameof(ServiceBusFailureReason.MessageLockLost), StringComparison.Ordinal)
            || (exception.Message.Contains("LockToken", StringComparison.Ordinal) && exception.Message.Contains("not found", StringComparison.Ordinal)),
    };
}
