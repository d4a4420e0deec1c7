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
    /// kombu's <c>visibility_timeout</c>: an unacknowledged message older than this is restored to its queue by
    /// whichever worker looks first. It is this transport's lock duration, renewed while a task runs. Keep it
    /// equal to the Celery workers' setting on a shared broker (kombu's default: one hour), or one side restores
    /// the other's running tasks.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a receiving worker looks for unacknowledged messages past the visibility timeout.</summary>
    public TimeSpan RestoreInterval { get; set; } = TimeSpan.FromSeconds(5);

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
