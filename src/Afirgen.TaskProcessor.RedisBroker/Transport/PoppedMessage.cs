using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.Transport;

/// <summary>What the receive script recorded for one delivery: enough to settle it and nothing more.</summary>
/// <param name="Queue">The queue it was received from.</param>
/// <param name="Kombu">Recorded in kombu's unacked hash (a kombu envelope) rather than in our own.</param>
/// <param name="Tag">Its delivery tag: kombu's <c>properties.delivery_tag</c>, or ours for anything else.</param>
/// <param name="SettleKeys">
/// settle.lua's keys for it, one array shared by every delivery of its record kind, queue and list (the list it was
/// popped from, its priority step, where an abandoned message goes back).
/// </param>
internal sealed record PoppedMessage(string Queue, bool Kombu, string Tag, RedisKey[] SettleKeys);
