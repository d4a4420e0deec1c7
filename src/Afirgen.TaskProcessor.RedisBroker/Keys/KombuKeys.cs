using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Keys;

/// <summary>
/// The key names of kombu's Redis transport, which Celery's workers read and write, and the few of our own
/// (all under <c>_afirgen.</c>, which kombu never touches). Every key carries kombu's <c>global_keyprefix</c>.
/// </summary>
internal sealed class KombuKeys
{
    /// <summary>kombu's separator between a queue's name and its priority step (<c>Channel.sep</c>).</summary>
    public const string Separator = "\x06\x16";

    /// <summary>The header our workers count deliveries in; kombu carries it through its restores untouched.</summary>
    public const string DeliveryCountHeader = "x-afirgen-delivery-count";

    public KombuKeys(string prefix)
    {
        Prefix = prefix;
        Unacked = prefix + "unacked";
        UnackedIndex = prefix + "unacked_index";
        UnackedMutex = prefix + "unacked_mutex";
        BindingPrefix = prefix + "_kombu.binding.";
        RawUnacked = prefix + "_afirgen.unacked_raw";
        RawUnackedIndex = prefix + "_afirgen.unacked_raw_index";
        RawUnackedMeta = prefix + "_afirgen.unacked_raw_meta";
        RawSequence = prefix + "_afirgen.raw_seq";
        RawDeliveries = prefix + "_afirgen.raw_deliveries";
    }

    public string Prefix { get; }

    /// <summary>kombu's <c>unacked</c> hash: delivery tag → <c>[message, exchange, routing_key]</c>.</summary>
    public RedisKey Unacked { get; }

    /// <summary>kombu's <c>unacked_index</c> sorted set: delivery tag scored by delivery time (Unix seconds).</summary>
    public RedisKey UnackedIndex { get; }

    /// <summary>kombu's <c>unacked_mutex</c>: whoever holds it restores messages past the visibility timeout.</summary>
    public RedisKey UnackedMutex { get; }

    /// <summary><c>_kombu.binding.</c>: the prefix of each exchange's set of <c>routing_key␆␖pattern␆␖queue</c>.</summary>
    public string BindingPrefix { get; }

    /// <summary>
    /// Our own unacknowledged record for what is not a kombu envelope (or whose delivery tag is taken): kombu's
    /// restore cannot read such messages and would drop them, so they are kept where only our workers look.
    /// </summary>
    public RedisKey RawUnacked { get; }

    public RedisKey RawUnackedIndex { get; }

    public RedisKey RawUnackedMeta { get; }

    public RedisKey RawSequence { get; }

    /// <summary>Delivery counts of non-envelope messages (they have no headers), by the SHA-1 of their bytes.</summary>
    public RedisKey RawDeliveries { get; }

    /// <summary>The binding set of <paramref name="exchange"/>.</summary>
    public RedisKey Binding(string exchange) => BindingPrefix + exchange;

    /// <summary>The member kombu adds to <see cref="Binding"/> when it declares <paramref name="queue"/> on its own exchange.</summary>
    public static string BindingMember(string queue) => queue + Separator + Separator + queue;

    /// <summary>The list holding <paramref name="queue"/>'s messages of priority step <paramref name="step"/> (kombu's <c>_q_for_pri</c>).</summary>
    public RedisKey List(string queue, int step) => step == 0 ? Prefix + queue : $"{Prefix}{queue}{Separator}{step}";

    /// <summary>Messages held until a time (ETA, countdown, retry back-off), scored by that time in Unix milliseconds.</summary>
    public RedisKey Delayed(string queue) => $"{Prefix}_afirgen.delayed.{queue}";

    /// <summary>Delivery tags our workers hold from <paramref name="queue"/> (for its in-flight count).</summary>
    public RedisKey InFlight(string queue) => $"{Prefix}_afirgen.inflight.{queue}";

    /// <summary><paramref name="queue"/>'s dead-letter list, oldest first.</summary>
    public RedisKey DeadLetters(string queue) => $"{Prefix}_afirgen.deadletter.{queue}";

    /// <summary>The counter numbering <paramref name="queue"/>'s dead letters.</summary>
    public RedisKey DeadLetterSequence(string queue) => $"{Prefix}_afirgen.deadletter_seq.{queue}";

    /// <summary>
    /// settle.lua's key group for a delivery of <paramref name="queue"/> popped from <paramref name="list"/>: its record hash
    /// and index (kombu's, or our own raw ones), raw meta, raw deliveries, in-flight set, dead-letter list and counter, and
    /// the list an abandoned message goes back to.
    /// </summary>
    public RedisKey[] SettleKeys(bool kombu, string queue, RedisKey list) =>
    [
        kombu ? Unacked : RawUnacked, kombu ? UnackedIndex : RawUnackedIndex, RawUnackedMeta, RawDeliveries,
        InFlight(queue), DeadLetters(queue), DeadLetterSequence(queue), list,
    ];

    /// <summary>Marks <paramref name="messageId"/> as sent to <paramref name="queue"/> for the duplicate-detection window.</summary>
    public RedisKey Duplicate(string queue, string messageId) => $"{Prefix}_afirgen.dedup.{queue}.{messageId}";
}
