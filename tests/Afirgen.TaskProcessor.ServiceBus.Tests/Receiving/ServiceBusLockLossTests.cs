using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Azure.Messaging.ServiceBus;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Receiving;

/// <summary>Which settlement failures mean "the message is no longer ours".</summary>
public sealed class ServiceBusLockLossTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new ServiceBusException("lock expired", ServiceBusFailureReason.MessageLockLost), true },
        { new ServiceBusException("namespace busy", ServiceBusFailureReason.ServiceBusy), false },
        // What the isolated worker's gRPC settlement call throws (RpcException's message carries the host's status detail).
        { new InvalidOperationException("Status(StatusCode=\"FailedPrecondition\", Detail=\"LockToken 8b1e… not found.\")"), true },
        { new InvalidOperationException("Status(StatusCode=\"Unknown\", Detail=\"Azure.Messaging.ServiceBus.ServiceBusException: The lock supplied is invalid. (MessageLockLost)\")"), true },
        { new InvalidOperationException("Status(StatusCode=\"Unavailable\", Detail=\"Error connecting to subchannel.\")"), false },
        { new TimeoutException("The operation did not complete within the allocated time."), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Describes_OnlyLockLoss(Exception failure, bool lockLost) => Assert.Equal(lockLost, ServiceBusLockLoss.Describes(failure));
}
