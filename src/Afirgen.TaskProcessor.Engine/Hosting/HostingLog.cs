using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>Log events of the engine's hosting pieces (ids 1100–1199).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1100, LogLevel.Information, "Consuming queue {Queue} with prefetch {Prefetch}")]
    public static partial void Consuming(ILogger logger, string queue, int prefetch);

    [LoggerMessage(1101, LogLevel.Information, "Stopped receiving; waiting for {InFlight} in-flight tasks to finish")]
    public static partial void Draining(ILogger logger, int inFlight);

    [LoggerMessage(1102, LogLevel.Warning, "Shutdown grace period over; cancelling {InFlight} tasks still running and abandoning their messages for redelivery")]
    public static partial void Aborting(ILogger logger, int inFlight);

    [LoggerMessage(1103, LogLevel.Error, "Receiving from queue {Queue} failed; every queue tries again every {Delay}, and this is logged again only after receiving has worked once more")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);

    [LoggerMessage(1104, LogLevel.Warning, "Renewing the lock of message {MessageId} on queue {Queue} failed; renewals are retried every sweep, and this is logged again only after they have worked once more")]
    public static partial void RenewFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(1105, LogLevel.Warning, "No Redis is configured (TaskProcessor:Redis:Configuration): results are kept in this process's memory, lost when it stops and invisible to Celery clients. Set it for anything but a quick try-out.")]
    public static partial void InMemoryResults(ILogger logger);

    [LoggerMessage(1106, LogLevel.Information, "Lock renewals work again")]
    public static partial void RenewRecovered(ILogger logger);

    [LoggerMessage(1107, LogLevel.Warning, "The lock of message {MessageId} on queue {Queue} was lost before it could be renewed: the broker has handed it out again")]
    public static partial void RenewLockLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(1108, LogLevel.Information, "Stopped: {Finished} tasks finished during the grace period, {GivenBack} held messages given back to the broker unstarted, {Cancelled} running tasks cancelled when it ended and given back, {StillHeld} left to their locks; the broker now holds {Waiting} waiting and {Scheduled} scheduled messages for this worker's queues")]
    public static partial void Stopped(ILogger logger, int finished, int givenBack, int cancelled, int stillHeld, long waiting, long scheduled);

    [LoggerMessage(1109, LogLevel.Information, "Stopped: {Finished} tasks finished during the grace period, {GivenBack} held messages given back to the broker unstarted, {Cancelled} running tasks cancelled when it ended and given back, {StillHeld} left to their locks; the broker could not be asked for its queue counts")]
    public static partial void StoppedWithoutCounts(ILogger logger, Exception exception, int finished, int givenBack, int cancelled, int stillHeld);

    [LoggerMessage(1110, LogLevel.Information, "No longer consuming queue {Queue}; the messages held from it run on")]
    public static partial void ConsumerCancelled(ILogger logger, string queue);

    [LoggerMessage(1111, LogLevel.Information, "Receiving works again")]
    public static partial void ReceiveRecovered(ILogger logger);
}
