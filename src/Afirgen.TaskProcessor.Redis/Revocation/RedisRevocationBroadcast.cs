using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Revocation;

/// <summary>
/// The terminate broadcast over a Redis pub/sub channel every instance subscribes to while it runs.
/// An instance that is disconnected at that moment misses it; the task's revocation is still in Redis,
/// so its next delivery is dropped, but the run in progress finishes (as with Celery's broadcast).
/// </summary>
public sealed partial class RedisRevocationBroadcast(
    IConnectionMultiplexer redis, IOptions<RedisOptions> options, RunningTasks running, ILogger<RedisRevocationBroadcast> logger)
    : IRevocationBroadcast, IHostedService
{
    private readonly RedisChannel _channel = RedisChannel.Literal(options.Value.KeyPrefix + "afirgen-tasks:terminate");

    public async Task BroadcastTerminateAsync(string taskId, CancellationToken cancellationToken)
    {
        // Told directly too: this instance hears its own publish only when subscribed, and tests and
        // one-instance set-ups should not depend on the round trip.
        running.Terminate(taskId);
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, taskId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new ResultStoreUnavailableException($"The terminate request for task {taskId} could not be sent to the other workers ({RedisFailures.Describe(ex)}).", ex);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(_channel, (_, value) =>
            {
                var taskId = (string?)value;
                if (!string.IsNullOrEmpty(taskId) && running.Terminate(taskId) > 0)
                {
                    LogTerminated(logger, taskId);
                }
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The multiplexer re-subscribes when Redis comes back; start regardless, as results do.
            LogSubscribeFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().UnsubscribeAsync(_channel);

    [LoggerMessage(1400, LogLevel.Warning, "Task {TaskId} was revoked with terminate: its run here is cancelled")]
    private static partial void LogTerminated(ILogger logger, string taskId);

    [LoggerMessage(1401, LogLevel.Warning, "Could not subscribe to the terminate channel yet; it is retried when Redis is reachable")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
