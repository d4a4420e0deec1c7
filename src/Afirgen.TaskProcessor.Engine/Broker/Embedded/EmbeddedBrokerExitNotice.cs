using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Broker.Embedded;

/// <summary>
/// Says what the embedded broker loses: at start-up, that its queues live in this process's memory; when the host
/// stops (after the consumers have given back what they held), how many messages are discarded with it.
/// </summary>
/// <remarks>The count is taken in <see cref="StoppedAsync"/>, after every hosted service (the consumers among them) has stopped.</remarks>
internal sealed partial class EmbeddedBrokerExitNotice(EmbeddedBroker broker, ILogger<EmbeddedBrokerExitNotice> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        InMemory(logger);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        var queues = broker.Snapshot();
        long waiting = queues.Sum(q => q.Waiting), scheduled = queues.Sum(q => q.Scheduled), held = queues.Sum(q => q.InFlight), dead = queues.Sum(q => q.DeadLettered);
        if (waiting + scheduled + held + dead == 0)
        {
            NothingLost(logger);
        }
        else
        {
            Discarded(logger, waiting, scheduled, held, dead);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(1150, LogLevel.Warning, "The embedded broker keeps every queue in this process's memory: whatever is waiting, scheduled, held or dead-lettered when it exits is lost")]
    private static partial void InMemory(ILogger logger);

    [LoggerMessage(1151, LogLevel.Warning, "The embedded broker discards on exit {Waiting} waiting, {Scheduled} scheduled, {Held} held and {DeadLettered} dead-lettered messages: they lived only in this process's memory")]
    private static partial void Discarded(ILogger logger, long waiting, long scheduled, long held, long deadLettered);

    [LoggerMessage(1152, LogLevel.Information, "The embedded broker was empty on exit: nothing was lost")]
    private static partial void NothingLost(ILogger logger);
}
