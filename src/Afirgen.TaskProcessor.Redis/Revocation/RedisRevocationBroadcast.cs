using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis.Revocation;

/// <summary>
/// The revocation broadcast over two Redis pub/sub channels every instance subscribes to while it runs: one for
/// terminate (the task id alone, as instances before the revoke channel sent it) and one for revocations without it.
/// An instance that is disconnected at that moment misses it; the task's revocation is still in Redis, so its next
/// delivery is dropped and a task checked ahead is checked again once its check is a second old, but the run in
/// progress finishes (as with Celery's broadcast).
/// </summary>
public sealed partial class RedisRevocationBroadcast(
    IConnectionMultiplexer redis, IOptions<RedisOptions> options, RunningTasks running, RecentRevocations recent, ILogger<RedisRevocationBroadcast> logger)
    : IRevocationBroadcast, IHostedService
{
    private readonly RedisChannel _terminateChannel = RedisChannel.Literal(options.Value.KeyPrefix + "afirgen-tasks:terminate");
    private readonly RedisChannel _revokeChannel = RedisChannel.Literal(options.Value.KeyPrefix + "afirgen-tasks:revoke");

    public async Task BroadcastRevokeAsync(string taskId, bool terminate, CancellationToken cancellationToken)
    {
        // Told directly too: this instance hears its own publish only when subscribed, and tests and
        // one-instance set-ups should not depend on the round trip.
        running.Revoke(taskId, terminate);
        try
        {
            await redis.GetSubscriber().PublishAsync(terminate ? _terminateChannel : _revokeChannel, taskId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            var request = terminate ? "terminate request" : "revocation";
            throw new ResultStoreUnavailableException($"The {request} for task {taskId} could not be sent to the other workers ({RedisFailures.Describe(ex)}).", ex);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var subscriber = redis.GetSubscriber();
            await subscriber.SubscribeAsync(_terminateChannel, (_, value) => Heard((string?)value, terminate: true)).ConfigureAwait(false);
            await subscriber.SubscribeAsync(_revokeChannel, (_, value) => Heard((string?)value, terminate: false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The multiplexer re-subscribes when Redis comes back; start regardless, as results do.
            LogSubscribeFailed(logger, ex);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.UnsubscribeAsync(_terminateChannel).ConfigureAwait(false);
        await subscriber.UnsubscribeAsync(_revokeChannel).ConfigureAwait(false);
    }

    private void Heard(string? taskId, bool terminate)
    {
        if (string.IsNullOrEmpty(taskId))
        {
            return;
        }
        // Every worker lists every revocation it heard of (inspect revoked, and the hello a starting Celery worker asks),
        // as Celery's workers do, not only the ones that came in through this instance.
        recent.Add(taskId);
        if (running.Revoke(taskId, terminate) > 0)
        {
            LogTerminated(logger, taskId);
        }
    }

    [LoggerMessage(1400, LogLevel.Warning, "Task {TaskId} was revoked with terminate: its run here is cancelled")]
    private static partial void LogTerminated(ILogger logger, string taskId);

    [LoggerMessage(1401, LogLevel.Warning, "Could not subscribe to the revocation channels yet; it is retried when Redis is reachable")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
