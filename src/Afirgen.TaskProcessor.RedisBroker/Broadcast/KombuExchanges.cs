using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Broadcast;

/// <summary>
/// kombu's exchanges on Redis beyond the task queues (kombu 5.2's <c>kombu/transport/redis.py</c>): a fanout exchange
/// is a pub/sub channel <c>/&lt;db&gt;.&lt;exchange&gt;</c>, with <c>/&lt;routing key&gt;</c> after it when one is given
/// (<c>fanout_patterns</c>) and kombu's <c>global_keyprefix</c> before it, since channels are not per database; a direct
/// exchange routes through its binding set <c>_kombu.binding.&lt;exchange&gt;</c> to the lists of the queues bound
/// with that routing key. Remote control (<c>celery.pidbox</c> in, <c>reply.celery.pidbox</c> out) and events
/// (<c>celeryev</c>, fanout on Redis) go through here, on the broker's own connection.
/// </summary>
internal sealed class KombuExchanges(Transport.RedisBroker broker)
{
    // KEYS: 1 the exchange's binding set. ARGV: 1 routing key, 2 global key prefix, 3 kombu's separator, 4 message.
    // Pushes the message onto every queue bound with that routing key (a direct exchange); returns how many.
    private const string PutDirectScript = """
        local pushed = 0
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local first = string.find(member, ARGV[3], 1, true)
          if first and string.sub(member, 1, first - 1) == ARGV[1] then
            local second = string.find(member, ARGV[3], first + #ARGV[3], true)
            if second then
              local queue = string.sub(member, second + #ARGV[3])
              redis.call('LPUSH', ARGV[2] .. queue, ARGV[4])
              pushed = pushed + 1
            end
          end
        end
        return pushed
        """;

    /// <summary>The channel of fanout exchange <paramref name="exchange"/>, for <paramref name="routingKey"/> when one is given.</summary>
    public RedisChannel Channel(string exchange, string? routingKey = null) => RedisChannel.Literal(
        $"{broker.Keys.Prefix}/{broker.Url.Database}.{exchange}" + (string.IsNullOrEmpty(routingKey) ? "" : "/" + routingKey));

    /// <summary>Publishes <paramref name="envelope"/> on a fanout exchange; returns how many subscribers received it.</summary>
    public Task<long> PublishAsync(string exchange, string routingKey, byte[] envelope) =>
        broker.Subscriber.PublishAsync(Channel(exchange, routingKey), envelope);

    /// <summary>Subscribes to fanout exchange <paramref name="exchange"/> (messages published without a routing key).</summary>
    public Task<ChannelMessageQueue> SubscribeAsync(string exchange) => broker.Subscriber.SubscribeAsync(Channel(exchange));

    /// <summary>Sends <paramref name="envelope"/> to the queues bound to direct exchange <paramref name="exchange"/> with <paramref name="routingKey"/>; returns how many.</summary>
    public async Task<long> PutDirectAsync(string exchange, string routingKey, byte[] envelope) =>
        (long)await broker.Database.ScriptEvaluateAsync(PutDirectScript, [broker.Keys.Binding(exchange)],
            [routingKey, broker.Keys.Prefix, Keys.KombuKeys.Separator, envelope]).ConfigureAwait(false);
}
