namespace Afirgen.TaskProcessor.RedisBroker.Connection;

/// <summary>
/// Settings of the Redis transport: where Celery's Redis broker is and the kombu transport options that
/// must match the Celery workers sharing it (<c>broker_transport_options</c>). Queue settings common to every
/// broker (max delivery count, duplicate-detection window) stay in <c>TaskProcessor:Broker</c>.
/// </summary>
public sealed class RedisBrokerOptions
{
    public const string Section = "TaskProcessor:RedisBroker";

    /// <summary>
    /// The broker URL as Celery writes it (AFIRGen's <c>CELERY_BROKER_URL</c>):
    /// <c>redis://[user:password@]host[:port][/database]</c>, or <c>rediss://</c> for TLS.
    /// </summary>
    public string Url { get; set; } = "";

    /// <summary>kombu's <c>global_keyprefix</c>: prepended to every key, as Celery's workers prepend it.</summary>
    public string GlobalKeyPrefix { get; set; } = "";

    /// <summary>
    /// Which priority lists a worker serves first. <see cref="PriorityOrder.HighestFirst"/> (the default) is the
    /// seed's scale, 10 first; <see cref="PriorityOrder.KombuLowestFirst"/> is what Celery's own workers do.
    /// </summary>
    public PriorityOrder PriorityOrder { get; set; } = PriorityOrder.HighestFirst;

    /// <summary>kombu's <c>priority_steps</c>: a priority goes to the list of the highest step at or below it.</summary>
    public int[] PrioritySteps { get; set; } = [0, 3, 6, 9];

    /// <summary>
    /// Our workers' lease on each message they hold, in flight or prefetched: kombu's <c>visibility_timeout</c>
    /// for the messages our workers take, and this transport's lock duration. A worker renews its leases well
    /// inside this (every few seconds while it holds them), so it can be short; when a worker dies, its messages
    /// are restored to their queues once their leases end, within about this long. Default 30 seconds.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// kombu's <c>visibility_timeout</c> as the Celery workers sharing this broker have it (Celery's
    /// <c>broker_transport_options</c>; kombu's default, one hour). Celery's workers renew nothing: the messages
    /// they hold (running ones, and the ETA and countdown tasks they keep in memory until due) sit in kombu's
    /// unacknowledged records under the time they were taken, and are restored only after this long, by their
    /// workers or ours. Keep it equal to the Celery workers' value, even when none runs beside ours yet: a smaller
    /// value here restores their work while they still hold it (Celery's duplicate ETA runs), a larger one brings a
    /// dead Celery worker's messages back later.
    /// </summary>
    /// <remarks>
    /// Our own records carry, as their time in kombu's <c>unacked_index</c>, the end of their lease less this
    /// timeout: every restorer that applies this timeout to the index, Celery's and ours alike, restores a leased
    /// message exactly when its lease ends, and an unleased one after this long.
    /// </remarks>
    public TimeSpan CeleryVisibilityTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a receiving worker looks for unacknowledged messages past the visibility timeout.</summary>
    public TimeSpan RestoreInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many messages are restored per look (kombu's <c>unacked_restore_limit</c>).</summary>
    public int RestoreLimit { get; set; } = 1000;

    /// <summary>kombu's <c>unacked_mutex_expire</c>: how long a restorer may hold <c>unacked_mutex</c>.</summary>
    public TimeSpan UnackedMutexExpire { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest wait between looks at an empty queue. kombu's producers only push to lists, so an idle
    /// receiver polls (no blocking pop on the shared connection), backing off from 1 ms up to this.
    /// </summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMilliseconds(50);
}
