using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// Renews the Redis token before it expires and re-authenticates the live connections with it; after a
/// failure, tries again with exponential back-off and says so. Runs for the host's lifetime.
/// </summary>
internal sealed class RedisTokenRefresher(
    EntraIdRedisConnection connection,
    IConnectionMultiplexer multiplexer, // taken so that the connection (and its first token) is made at start-up
    TimeProvider time,
    ILogger<RedisTokenRefresher> logger) : BackgroundService
{
    /// <summary>The first retry after a failure; each further one waits twice as long.</summary>
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries.</summary>
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(60);

    // Task.Delay takes at most about 49 days; the loop looks at the clock again after each wait anyway.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown: nothing to finish, the next start gets a fresh token.
        }
    }

    // Over 60 lines: refresh and re-authenticate are two steps of one loop that share its failure count and its
    // 'try again' (continue); split, each step would have to return what the loop does next.
    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var reauthenticate = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = connection.Token;
            if (current is null || time.GetUtcNow() >= current.RefreshAt)
            {
                bool newer;
                try
                {
                    newer = await connection.RefreshTokenAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OutOfMemoryException)
                {
                    // Whatever the credential throws (unavailable, refused, timed out, no oid), the answer is to try again.
                    failures++;
                    var retryIn = Backoff(failures);
                    if (current is null)
                    {
                        RedisIdentityLog.TokenStillMissing(logger, e, failures, retryIn);
                    }
                    else
                    {
                        RedisIdentityLog.TokenRefreshFailed(logger, e, failures, retryIn, current.ExpiresOn);
                    }
                    await WaitAsync(retryIn, "retrying the token", stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (!newer)
                {
                    failures++;
                    var retryIn = Backoff(failures);
                    RedisIdentityLog.SameToken(logger, retryIn);
                    await WaitAsync(retryIn, "asking for a newer token", stoppingToken).ConfigureAwait(false);
                    continue;
                }

                reauthenticate = true;
                if (current is null)
                {
                    await ReconnectAsync().ConfigureAwait(false);
                }
            }

            if (reauthenticate)
            {
                try
                {
                    await connection.ReauthenticateAsync(stoppingToken).ConfigureAwait(false);
                    reauthenticate = false;
                }
                catch (RedisReauthenticationException e)
                {
                    failures++;
                    var retryIn = Backoff(failures);
                    RedisIdentityLog.ReauthenticationFailed(logger, e.InnerException!, e.Endpoint, retryIn, current?.ExpiresOn ?? connection.Token!.ExpiresOn);
                    await WaitAsync(retryIn, "retrying re-authentication", stoppingToken).ConfigureAwait(false);
                    continue;
                }
            }

            failures = 0;
            await WaitAsync(connection.Token!.RefreshAt - time.GetUtcNow(), "the next token", stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The first token came only after start-up: connections so far were refused, and StackExchange.Redis
    /// would retry them on its own back-off. Reconnect now instead.
    /// </summary>
    private async Task ReconnectAsync()
    {
        RedisIdentityLog.Reconnecting(logger);
        try
        {
            await multiplexer.ConfigureAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RedisIdentityLog.ReconnectFailed(logger, e);
        }
    }

    private async Task WaitAsync(TimeSpan delay, string reason, CancellationToken stoppingToken)
    {
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > LongestWait ? LongestWait : delay;
        var wait = Task.Delay(delay, time, stoppingToken);
        // Said once the timer exists, so that whoever advances a fake clock on this event cannot miss it.
        RedisIdentityLog.Waiting(logger, delay, reason);
        await wait.ConfigureAwait(false);
    }

    private static TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 16);
        var delay = FirstRetry * Math.Pow(2, exponent);
        return delay < MaxRetry ? delay : MaxRetry;
    }
}
