using System.Collections.Concurrent;
using System.Globalization;
using Afirgen.TaskProcessor.Engine.Batching;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.RedisBroker.DeadLetters;
using Afirgen.TaskProcessor.RedisBroker.Keys;
using Afirgen.TaskProcessor.RedisBroker.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>
/// The engine's broker ports on Celery's Redis broker, speaking kombu 5's Redis protocol: one list per queue and
/// priority step, kombu's JSON envelope, its <c>unacked</c> hash and <c>unacked_index</c> for late
/// acknowledgement, restores past the visibility timeout under its <c>unacked_mutex</c>. A Celery producer
/// feeds it unchanged, and Celery's workers and ours can consume one queue and restore each other's lost work.
/// </summary>
/// <remarks>
/// <para>Where kombu is weak it does better, every step one Lua script on the server: pop and record as
/// unacknowledged at once (a worker killed in between loses nothing); deliveries counted in a message header
/// and dead-lettered past the maximum, into a dead-letter list with reason and description; messages held
/// until a time in a sorted set and moved to their list when due, once, by whichever worker receives next
/// (never held in a worker's memory, where kombu's restore would run them twice); the priority lists served
/// highest first across the whole backlog (or kombu's order, <see cref="RedisBrokerOptions.PriorityOrder"/>).</para>
/// <para>Needs a standalone Redis (as kombu does): the scripts touch keys of several hash slots.</para>
/// </remarks>
public sealed class RedisBroker : IMessageSender, IMessageSource, IQueueStatisticsSource, IDeadLetterStore, IAsyncDisposable, IDisposable
{
    private const int PromoteLimit = 1000;
    private const int MaxUnackedScanned = 10_000;
    private static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(1);

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _db;
    private readonly KombuKeys _keys;
    private readonly RedisBrokerOptions _options;
    private readonly BrokerQueueOptions _queueOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int[] _steps;
    private readonly string _stepsArgument;
    private readonly string _mutexToken = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, QueueKeys> _queues = new(StringComparer.Ordinal);
    private readonly QueueWakeUps _wakeUps;
    private readonly GroupCommit<SettleBatch.Operation> _settles;
    private long _nextRestoreTicks;
    private int _persistenceChecked;
    private volatile bool _disposed;

    /// <summary>Connects to the broker in <see cref="RedisBrokerOptions.Url"/> (and keeps reconnecting while it is down).</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    /// <exception cref="FormatException">The broker URL is not a Redis URL.</exception>
    public RedisBroker(IOptions<RedisBrokerOptions> options, IOptions<BrokerQueueOptions> queueOptions, TimeProvider time, ILogger<RedisBroker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(queueOptions);
        _options = options.Value;
        _queueOptions = queueOptions.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        if (new RedisBrokerOptionsValidator().Validate(null, _options) is { Failed: true } refused)
        {
            throw new ArgumentException(refused.FailureMessage, nameof(options));
        }
        if (_queueOptions.MaxDeliveryCount < 1 || _queueOptions.DuplicateDetectionWindow < TimeSpan.Zero)
        {
            throw new ArgumentException($"{BrokerQueueOptions.Section}: MaxDeliveryCount must be 1 or more and DuplicateDetectionWindow 0 or more.", nameof(queueOptions));
        }

        var url = RedisBrokerUrl.Parse(_options.Url);
        _steps = [.. _options.PrioritySteps];
        _stepsArgument = string.Join(',', _steps);
        _keys = new KombuKeys(_options.GlobalKeyPrefix);
        _connection = ConnectionMultiplexer.Connect(url.ToConfigurationOptions());
        _db = _connection.GetDatabase(url.Database);
        _wakeUps = new QueueWakeUps(_connection.GetSubscriber(), url.Database);
        _settles = new GroupCommit<SettleBatch.Operation>(batch => SettleBatch.SendAsync(_db, batch));
        Url = url;
        RedisBrokerLog.Connecting(_logger, url.ToString(), _options.PriorityOrder, _options.VisibilityTimeout, _options.CeleryVisibilityTimeout);
    }

    /// <summary>The broker's URL (its database numbers kombu's fanout channels, <c>/1.celery.pidbox</c>).</summary>
    internal RedisBrokerUrl Url { get; }

    /// <summary>The broker's database, for remote control's replies and the events' publishes (same connection).</summary>
    internal IDatabase Database => _db;

    /// <summary>The broker connection's pub/sub, where kombu's fanout exchanges live.</summary>
    internal ISubscriber Subscriber => _connection.GetSubscriber();

    /// <summary>kombu's key names, with its <c>global_keyprefix</c>.</summary>
    internal KombuKeys Keys => _keys;

    /// <summary>The transport's settings.</summary>
    internal RedisBrokerOptions Options => _options;

    /// <summary>
    /// The first <paramref name="limit"/> messages waiting in <paramref name="queue"/>'s delayed set (ETA, countdown, retry
    /// back-off), soonest first, with when each is due: what remote control's <c>scheduled</c> shows.
    /// </summary>
    internal async Task<IReadOnlyList<(byte[] Envelope, DateTimeOffset Due)>> PeekDelayedAsync(string queue, int limit)
    {
        var entries = await ReachAsync(() => _db.SortedSetRangeByRankWithScoresAsync(KeysFor(queue).Delayed, 0, limit - 1), "read the scheduled messages of queue " + queue).ConfigureAwait(false);
        var delayed = new List<(byte[], DateTimeOffset)>(entries.Length);
        foreach (var entry in entries)
        {
            // Each member is "<priority step>:<envelope>" (send.lua).
            var member = (byte[])entry.Element!;
            var colon = Array.IndexOf(member, (byte)':');
            if (colon >= 0)
            {
                delayed.Add((member[(colon + 1)..], DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score)));
            }
        }
        return delayed;
    }

    /// <summary>Deliveries after which a message is dead-lettered rather than delivered again.</summary>
    internal int MaxDeliveryCount => _queueOptions.MaxDeliveryCount;

    /// <inheritdoc />
    /// <remarks>
    /// The message goes to the list of its priority step, as kombu's producer puts it there; with
    /// <paramref name="notBefore"/> in the future, into the queue's delayed set until then. A message id sent to the
    /// queue within the duplicate-detection window is dropped. Redis being down throws (the caller retries or abandons).
    /// </remarks>
    public async Task SendAsync(string queue, OutgoingMessage message, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var keys = await DeclareAsync(queue).ConfigureAwait(false);
        var envelope = OutgoingEnvelope.Prepare(message, queue);
        var step = StepFor(message.Priority);
        var now = _time.GetUtcNow();
        var delayed = notBefore is { } due && due > now;
        var window = (long)_queueOptions.DuplicateDetectionWindow.TotalMilliseconds;
        await ReachAsync(() => _db.ScriptEvaluateAsync(KombuScripts.Send,
            [delayed ? keys.Delayed : _keys.List(queue, step), _keys.Duplicate(queue, message.MessageId)],
            [envelope, window, delayed ? notBefore!.Value.ToUnixTimeMilliseconds() : "", step]), "send a message to queue " + queue).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Pops and records up to <paramref name="maxMessages"/> in one script, serving the priority lists in the
    /// configured order; an empty queue is polled with back-off up to <see cref="RedisBrokerOptions.MaxPollInterval"/>.
    /// Each call also moves the queue's due delayed messages to their lists and, at most once per
    /// <see cref="RedisBrokerOptions.RestoreInterval"/>, restores messages past the visibility timeout. A message
    /// delivered more than the maximum is dead-lettered here and not returned. Redis being down throws.
    /// </remarks>
    public async ValueTask<IReadOnlyList<ReceivedDelivery>> ReceiveAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var delay = MinPollInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var keys = await DeclareAsync(queue).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _persistenceChecked, 1) == 0)
            {
                _ = CheckServerAsync();
            }
            // Subscribed before the look, so a push after an empty look is always heard.
            var wakeUp = await _wakeUps.ForAsync(queue, keys.ServeOrder).ConfigureAwait(false);
            var seen = wakeUp.Version;
            await RestoreIfDueAsync().ConfigureAwait(false);
            var popped = await PopAsync(queue, keys, maxMessages).ConfigureAwait(false);
            if (popped.Count > 0)
            {
                var ready = new List<ReceivedDelivery>(popped.Count);
                foreach (var settlement in popped)
                {
                    if (settlement.Message.DeliveryCount > MaxDeliveryCount)
                    {
                        // Never thrown out of here: the batch's other deliveries are recorded as ours and must reach the runner.
                        await DeadLetterExhaustedAsync(settlement).ConfigureAwait(false);
                        continue;
                    }
                    ready.Add(new ReceivedDelivery(settlement.Message, settlement));
                }
                if (ready.Count > 0)
                {
                    return ready;
                }
                continue;
            }

            try
            {
                await wakeUp.WaitAsync(seen, delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollInterval.Ticks));
        }
        return [];
    }

    /// <inheritdoc />
    /// <remarks>
    /// In flight counts our workers' deliveries and Celery workers' alike, the latter read from kombu's unacked hash
    /// (at most <see cref="MaxUnackedScanned"/> records per call) and routed to their queue as kombu's restore would.
    /// </remarks>
    public async Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        var statistics = new QueueStatistics[queues.Count];
        for (var i = 0; i < statistics.Length; i++)
        {
            var queue = queues[i];
            var keys = KeysFor(queue);
            RedisKey[] scriptKeys = [keys.Delayed, keys.InFlight, keys.DeadLetters, _keys.Unacked, _keys.RawUnacked, .. keys.ServeOrder];
            var result = (RedisResult[])(await ReachAsync(() => _db.ScriptEvaluateAsync(KombuScripts.Statistics, scriptKeys,
                [queue, _keys.BindingPrefix, KombuKeys.Separator, MaxUnackedScanned]), "read the depth of queue " + queue).ConfigureAwait(false))!;
            statistics[i] = new QueueStatistics(queue, (long)result[0], (long)result[1], (long)result[2], (long)result[3]);
        }
        return statistics;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetteredMessage>> GetDeadLettersAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessages);
        if (maxMessages == 0)
        {
            return [];
        }
        var entries = await ReachAsync(() => _db.ListRangeAsync(KeysFor(queue).DeadLetters, 0, maxMessages - 1), "read the dead letters of queue " + queue).ConfigureAwait(false);
        return [.. entries.Select(e => DeadLetterEntry.Read(queue, (byte[])e!)).OfType<DeadLetteredMessage>()];
    }

    /// <inheritdoc />
    /// <remarks>A replayed message is sent as new (fresh delivery tag, no delivery count) and skips duplicate detection.</remarks>
    public async Task<int> ReplayDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var keys = await DeclareAsync(queue).ConfigureAwait(false);
        var replayed = 0;
        foreach (var (entry, message) in await MatchingDeadLettersAsync(keys, queue, messageIds).ConfigureAwait(false))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            var outgoing = new OutgoingMessage(message.MessageId, message.TaskId, message.TaskName, Math.Clamp(message.Priority, 0, 10), message.Body);
            var sent = await _db.ScriptEvaluateAsync(KombuScripts.Replay,
                [keys.DeadLetters, _keys.List(queue, StepFor(outgoing.Priority))],
                [entry, OutgoingEnvelope.Prepare(outgoing, queue)]).ConfigureAwait(false);
            replayed += (int)sent;
        }
        return replayed;
    }

    /// <inheritdoc />
    public async Task<int> PurgeDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var keys = KeysFor(queue);
        var purged = 0;
        foreach (var (entry, _) in await MatchingDeadLettersAsync(keys, queue, messageIds).ConfigureAwait(false))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            purged += (int)await _db.ListRemoveAsync(keys.DeadLetters, entry, 1).ConfigureAwait(false);
        }
        return purged;
    }

    /// <summary>Closes the connection. Messages held by this worker stay recorded and are restored after the visibility timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        // Settlements already added go out first; any added after fail rather than wait for ever.
        await _settles.DisposeAsync(static stranded => stranded.TrySetException(new ObjectDisposedException(nameof(RedisBroker)))).ConfigureAwait(false);
        await _connection.CloseAsync().ConfigureAwait(false);
        _connection.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose()
    {
        _disposed = true;
        // Not awaited (a synchronous dispose): settlements still to send fail with the connection.
        _ = _settles.DisposeAsync(static stranded => stranded.TrySetException(new ObjectDisposedException(nameof(RedisBroker)))).AsTask();
        _connection.Dispose();
    }

    internal async Task<(string Score, DateTimeOffset LockedUntil)?> RenewAsync(PoppedMessage popped, string score)
    {
        var now = _time.GetUtcNow();
        var result = await SettleInBatchAsync(popped, ["renew", popped.Kombu ? "k" : "r", popped.Tag, score, LeaseScore(now)]).ConfigureAwait(false);
        return result.Resp2Type == ResultType.Integer ? null : ((string)result!, now + _options.VisibilityTimeout);
    }

    internal async Task<bool> SettleAsync(PoppedMessage popped, string score, SettleOperation operation, byte[]? entry)
    {
        var op = operation switch
        {
            SettleOperation.Complete => "complete",
            SettleOperation.Abandon => "abandon",
            _ => "deadletter",
        };
        var result = await SettleInBatchAsync(popped, [op, popped.Kombu ? "k" : "r", popped.Tag, score, entry ?? RedisValue.EmptyString]).ConfigureAwait(false);
        return (long)result == 1;
    }

    private Task<RedisResult> SettleInBatchAsync(PoppedMessage popped, RedisValue[] arguments)
    {
        var operation = new SettleBatch.Operation(popped.SettleKeys, arguments);
        _settles.Add(operation);
        return operation.Task;
    }

    internal byte[] DeadLetterEntryFor(ReceivedMessage message, string reason, string description) =>
        DeadLetters.DeadLetterEntry.Write(message, reason, description, _time.GetUtcNow());

    internal byte[] MaxDeliveriesEntry(ReceivedMessage message) => DeadLetterEntryFor(message, DeadLetterReasons.MaxDeliveryCountExceeded,
        $"Delivered {message.DeliveryCount} times, the most {BrokerQueueOptions.Section}:MaxDeliveryCount ({MaxDeliveryCount}) allows: " +
        "workers kept dying while running it or gave it back. Find out why, then replay it.");

    private async Task DeadLetterExhaustedAsync(RedisSettlement settlement)
    {
        RedisBrokerLog.MaxDeliveries(_logger, settlement.Message.MessageId, settlement.Message.Queue, settlement.Message.DeliveryCount);
        try
        {
            // Completing the dead-letter is all that is left to do; the settlement is the one popped just now.
            await settlement.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            // Restored and taken by another worker meanwhile: it counts the delivery again and decides.
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Still recorded as ours: restored when its lease ends, counted once more and dead-lettered then.
            RedisBrokerLog.DeadLetterFailed(_logger, ex, settlement.Message.MessageId, settlement.Message.Queue);
        }
    }

    private async Task<IReadOnlyList<RedisSettlement>> PopAsync(string queue, QueueKeys keys, int maxMessages)
    {
        var now = _time.GetUtcNow();
        RedisKey[] scriptKeys =
        [
            _keys.Unacked, _keys.UnackedIndex, _keys.RawUnacked, _keys.RawUnackedIndex, _keys.RawUnackedMeta, _keys.RawSequence,
            _keys.RawDeliveries, keys.Delayed, keys.InFlight, .. keys.ServeOrder,
        ];
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(KombuScripts.Receive, scriptKeys,
            [maxMessages, LeaseScore(now), now.ToUnixTimeMilliseconds(), queue, _keys.Prefix, KombuKeys.Separator, PromoteLimit]).ConfigureAwait(false))!;
        if (result.Length == 0)
        {
            return [];
        }

        var lockedUntil = now + _options.VisibilityTimeout;
        const int PerMessage = 9;
        var settlements = new RedisSettlement[result.Length / PerMessage];
        for (var i = 0; i < settlements.Length; i++)
        {
            var r = result.AsSpan(i * PerMessage, PerMessage);
            var kombu = (string)r[0]! == "k";
            var list = (int)r[2] - 1;
            var popped = new PoppedMessage(queue, kombu, (string)r[1]!, kombu ? keys.KombuSettleKeys[list] : keys.RawSettleKeys[list]);
            // A kombu envelope comes inside the record written for it ('[message, exchange, routing_key]'), from its second byte.
            var text = (byte[])r[3]!;
            ReadOnlyMemory<byte> body = kombu ? text.AsMemory(1, (int)r[8]) : text;
            if ((string)r[7]! == "1")
            {
                body = OutgoingEnvelope.Unwrap(body.Span) ?? body;
            }
            // kombu keeps no enqueue time: the time of receipt stands in for it.
            var message = new ReceivedMessage(queue, (string)r[6]!, body, (int)r[4], now, lockedUntil);
            settlements[i] = new RedisSettlement(this, popped, message, (string)r[5]!);
        }
        return settlements;
    }

    /// <summary>
    /// Says once, at the first receive, what the broker's Redis costs in durability and in latency: whether it would
    /// lose the queues on a restart (no append-only file; this transport is durable only as far as that Redis is),
    /// and whether an idle worker hears of new messages at once (keyspace notifications) or by polling.
    /// </summary>
    private async Task CheckServerAsync()
    {
        await CheckPersistenceAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _persistenceChecked) == 0)
        {
            return; // not connected yet: both are asked again at a later receive
        }
        try
        {
            if (!await _wakeUps.ProbeAsync(_db, _keys.Prefix + "_afirgen.keyspace-probe." + _mutexToken, TimeSpan.FromSeconds(1)).ConfigureAwait(false))
            {
                RedisBrokerLog.NoKeyspaceNotifications(_logger, _connection.GetEndPoints().FirstOrDefault()?.ToString() ?? "?", _options.MaxPollInterval);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisBrokerLog.PersistenceUnknown(_logger, ex);
        }
    }

    /// <summary>Warns when the broker's Redis keeps no append-only file. A server that will not say is left unjudged.</summary>
    private async Task CheckPersistenceAsync()
    {
        try
        {
            if (!_connection.IsConnected)
            {
                Interlocked.Exchange(ref _persistenceChecked, 0); // not connected yet: ask at a later receive
                return;
            }
            // Through a script: StackExchange.Redis refuses INFO itself outside its admin mode, which this connection has no need of.
            var info = (string?)await _db.ScriptEvaluateAsync("return redis.call('INFO', 'persistence')").ConfigureAwait(false) ?? "";
            if (info.Contains("aof_enabled:0", StringComparison.Ordinal))
            {
                RedisBrokerLog.NotPersisted(_logger, _connection.GetEndPoints().FirstOrDefault()?.ToString() ?? "?");
            }
        }
        catch (Exception ex)
        {
            // INFO may be refused (a managed Redis, an ACL): nothing to say then, beyond a trace for whoever looks.
            RedisBrokerLog.PersistenceUnknown(_logger, ex);
        }
    }

    private async Task RestoreIfDueAsync()
    {
        var now = _time.GetUtcNow();
        var next = Interlocked.Read(ref _nextRestoreTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextRestoreTicks, (now + _options.RestoreInterval).UtcTicks, next) != next)
        {
            return;
        }
        var restored = (long)await _db.ScriptEvaluateAsync(KombuScripts.Restore,
            [_keys.Unacked, _keys.UnackedIndex, _keys.UnackedMutex, _keys.RawUnacked, _keys.RawUnackedIndex, _keys.RawUnackedMeta],
            [
                UnixSeconds(now - _options.CeleryVisibilityTimeout), _options.RestoreLimit, _mutexToken,
                (long)_options.UnackedMutexExpire.TotalMilliseconds, _keys.Prefix, KombuKeys.Separator, _stepsArgument, _keys.BindingPrefix,
            ]).ConfigureAwait(false);
        if (restored > 0)
        {
            RedisBrokerLog.Restored(_logger, restored, _options.VisibilityTimeout, _options.CeleryVisibilityTimeout);
        }
    }

    private async Task<List<(RedisValue Entry, DeadLetteredMessage Message)>> MatchingDeadLettersAsync(
        QueueKeys keys, string queue, IReadOnlyCollection<string>? messageIds)
    {
        var wanted = messageIds is null ? null : new HashSet<string>(messageIds, StringComparer.Ordinal);
        var matching = new List<(RedisValue, DeadLetteredMessage)>();
        foreach (var entry in await ReachAsync(() => _db.ListRangeAsync(keys.DeadLetters), "read the dead letters of queue " + queue).ConfigureAwait(false))
        {
            if (DeadLetters.DeadLetterEntry.Read(queue, (byte[])entry!) is { } message && (wanted is null || wanted.Contains(message.MessageId)))
            {
                matching.Add((entry, message));
            }
        }
        return matching;
    }

    /// <summary>kombu's <c>_get_message_priority</c> and <c>priority()</c>: clamp to 0–9, then the step at or below.</summary>
    private int StepFor(int priority)
    {
        var p = Math.Clamp(priority, 0, 9);
        var step = _steps[0];
        foreach (var s in _steps)
        {
            if (s <= p) step = s;
        }
        return step;
    }

    /// <summary>Declares <paramref name="queue"/> once per process as kombu does: its own exchange, bound by its name.</summary>
    private async ValueTask<QueueKeys> DeclareAsync(string queue)
    {
        var keys = KeysFor(queue);
        if (!keys.Declared)
        {
            await _db.SetAddAsync(_keys.Binding(queue), KombuKeys.BindingMember(queue)).ConfigureAwait(false);
            keys.Declared = true;
        }
        return keys;
    }

    private QueueKeys KeysFor(string queue)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        return _queues.GetOrAdd(queue, static (name, broker) =>
        {
            var k = broker._keys;
            var ordered = broker._options.PriorityOrder == PriorityOrder.HighestFirst ? broker._steps.Reverse() : broker._steps;
            RedisKey[] lists = [.. ordered.Select(step => k.List(name, step))];
            return new QueueKeys(lists, k.Delayed(name), k.InFlight(name), k.DeadLetters(name),
                [.. lists.Select(list => k.SettleKeys(kombu: true, name, list))], [.. lists.Select(list => k.SettleKeys(kombu: false, name, list))]);
        }, this);
    }

    /// <summary>
    /// The time a delivery leased until <paramref name="now"/> + <see cref="RedisBrokerOptions.VisibilityTimeout"/> carries in
    /// kombu's <c>unacked_index</c>: its lease's end less <see cref="RedisBrokerOptions.CeleryVisibilityTimeout"/>, so that
    /// every restorer applying Celery's timeout (kombu's workers and ours) restores it exactly when the lease ends.
    /// </summary>
    private string LeaseScore(DateTimeOffset now) => UnixSeconds(now + _options.VisibilityTimeout - _options.CeleryVisibilityTimeout);

    /// <summary>Runs a command, turning Redis being unreachable into the engine's <see cref="BrokerUnavailableException"/>.</summary>
    private static async Task<T> ReachAsync<T>(Func<Task<T>> command, string what)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // The client's own message (its whole connection state) stays in the inner exception, for the log.
            throw new BrokerUnavailableException($"The broker (Redis) could not be reached to {what}.", ex);
        }
    }

    private static string UnixSeconds(DateTimeOffset time) =>
        ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 / 1e6).ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>A queue's keys, made once: its lists in the order served, and settle.lua's key groups for each list.</summary>
    private sealed class QueueKeys(
        RedisKey[] serveOrder, RedisKey delayed, RedisKey inFlight, RedisKey deadLetters, RedisKey[][] kombuSettleKeys, RedisKey[][] rawSettleKeys)
    {
        public RedisKey[] ServeOrder { get; } = serveOrder;
        public RedisKey Delayed { get; } = delayed;
        public RedisKey InFlight { get; } = inFlight;
        public RedisKey DeadLetters { get; } = deadLetters;

        /// <summary>settle.lua's keys for a kombu delivery popped from <see cref="ServeOrder"/>'s list at the same index.</summary>
        public RedisKey[][] KombuSettleKeys { get; } = kombuSettleKeys;

        /// <summary>The same for a delivery recorded in our own raw hash.</summary>
        public RedisKey[][] RawSettleKeys { get; } = rawSettleKeys;
        public volatile bool Declared;
    }
}
