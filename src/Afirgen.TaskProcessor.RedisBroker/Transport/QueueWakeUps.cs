using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>
/// Wakes an idle receiver the moment a message is pushed onto one of its queue's lists, from Redis's keyspace
/// notifications, so an idle worker picks a task up in a fraction of a millisecond instead of at its next poll.
/// kombu's producers (Celery's, and ours) only push to lists, and a blocking pop cannot record the message as
/// unacknowledged in the same step, so the pop stays the receive script's; these notifications only say when to run it.
/// </summary>
/// <remarks>
/// <para>Needs <c>notify-keyspace-events</c> with <c>K</c> and <c>l</c> (or <c>A</c>) on the server (scripts/start-redis.sh
/// sets <c>Klg</c>); without them no notification comes and the receiver finds new messages by polling, as before,
/// within <see cref="Connection.RedisBrokerOptions.MaxPollInterval"/>. <see cref="ProbeAsync"/> says which.</para>
/// <para>Holds no message, only a counter per queue: nothing is lost here when the process dies.</para>
/// </remarks>
internal sealed class QueueWakeUps(ISubscriber subscriber, int database)
{
    // Events that add to a list (kombu's LPUSH, a restore's RPUSH, a MOVE onto the broker's database); a pop of our
    // own or a Celery worker's says nothing new is there.
    private static readonly HashSet<string> Additions = new(StringComparer.Ordinal) { "lpush", "rpush", "linsert", "move_to", "rename_to", "restore" };

    private readonly ConcurrentDictionary<string, Lazy<Signal>> _queues = new(StringComparer.Ordinal);

    /// <summary>
    /// The wake-up of <paramref name="queue"/>, whose lists are <paramref name="lists"/>; subscribed at the first call.
    /// A subscription that fails (Redis down) is tried again at the next call.
    /// </summary>
    public async ValueTask<Signal> ForAsync(string queue, IReadOnlyList<RedisKey> lists)
    {
        var signal = _queues.GetOrAdd(queue, static _ => new Lazy<Signal>(() => new Signal())).Value;
        if (!signal.Subscribed)
        {
            await signal.SubscribeOnceAsync(subscriber, lists.Select(Channel).ToArray()).ConfigureAwait(false);
        }
        return signal;
    }

    /// <summary>
    /// Whether the server sends keyspace notifications for lists: pushes onto a probe list under
    /// <paramref name="probeKey"/> and waits up to <paramref name="timeout"/> for the notification.
    /// </summary>
    public async Task<bool> ProbeAsync(IDatabase db, RedisKey probeKey, TimeSpan timeout)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = Channel(probeKey);
        await subscriber.SubscribeAsync(channel, (_, _) => heard.TrySetResult()).ConfigureAwait(false);
        try
        {
            await db.ScriptEvaluateAsync("redis.call('LPUSH', KEYS[1], 'probe'); redis.call('DEL', KEYS[1])", [probeKey]).ConfigureAwait(false);
            return await Task.WhenAny(heard.Task, Task.Delay(timeout)).ConfigureAwait(false) == heard.Task;
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel).ConfigureAwait(false);
        }
    }

    private RedisChannel Channel(RedisKey key) => RedisChannel.Literal($"__keyspace@{database}__:{key}");

    /// <summary>A queue's wake-up: a counter of additions seen, and the waiters for the next one.</summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
        Justification = "One per queue for the broker's lifetime; its SemaphoreSlim holds nothing to release unless AvailableWaitHandle is read, "
            + "which it never is, so a Dispose would free nothing and could only race a subscription still in flight at shutdown.")]
    internal sealed class Signal
    {
        private readonly SemaphoreSlim _subscribing = new(1, 1);
        private int _version;
        // Completed inline by the notification (StackExchange.Redis runs subscription handlers on the thread pool): the
        // waiting receiver goes on to its look on that thread, without another hand-off.
        private TaskCompletionSource _next = new();
        private volatile bool _subscribed;

        public bool Subscribed => _subscribed;

        /// <summary>Read before a look at the queue; <see cref="WaitAsync"/> returns at once if an addition came since.</summary>
        public int Version => Volatile.Read(ref _version);

        /// <summary>
        /// Waits until an addition after <paramref name="seen"/> is notified or <paramref name="timeout"/> passes
        /// (the poll that also finds due delayed messages and messages pushed while no notification is sent).
        /// </summary>
        public async Task WaitAsync(int seen, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            // The waiter's task first, then the counter: an addition in between either moved the counter or completes it.
            var next = Volatile.Read(ref _next);
            if (Version != seen)
            {
                return;
            }
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, timer.Token);
            if (await Task.WhenAny(next.Task, delay).ConfigureAwait(false) == next.Task)
            {
                // Cancelled here, not with CancelAsync: awaiting that would resume on the thread pool after its callbacks,
                // one more hand-off between the notification and the look, and the only callback is the timer's own.
#pragma warning disable VSTHRD103 // Cancel, not CancelAsync, on purpose: see above.
                timer.Cancel();
#pragma warning restore VSTHRD103
            }
            else
            {
                await delay.ConfigureAwait(false); // throws when cancelled
            }
        }

        internal void Notify()
        {
            Interlocked.Increment(ref _version);
            Interlocked.Exchange(ref _next, new TaskCompletionSource()).TrySetResult();
        }

        internal async Task SubscribeOnceAsync(ISubscriber subscriber, RedisChannel[] channels)
        {
            await _subscribing.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_subscribed)
                {
                    return;
                }
                foreach (var channel in channels)
                {
                    await subscriber.SubscribeAsync(channel, (_, message) =>
                    {
                        if (Additions.Contains(message.ToString()))
                        {
                            Notify();
                        }
                    }).ConfigureAwait(false);
                }
                _subscribed = true;
            }
            finally
            {
                _subscribing.Release();
            }
        }
    }
}
