using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// What a neighbour syncs from this worker: <c>ping</c>, its Lamport <c>clock</c>, the ids it has <c>revoked</c>, and
/// mingle's <c>hello</c>, which carries both.
/// </summary>
internal sealed class MingleInspection(WorkerIdentity worker, RecentRevocations revocations, LamportClock clock)
{
    public static JsonNode Ping() => ControlReply.Ok("pong");

    public JsonNode Clock() => new JsonObject { ["clock"] = clock.Value };

    /// <summary>The ids revoked that reached this worker (see <see cref="RecentRevocations"/>).</summary>
    public JsonNode Revoked() => new JsonArray([.. revocations.Snapshot().Select(r => (JsonNode)r.Key)]);

    /// <summary>
    /// Mingle's <c>hello</c>, which a starting Celery worker sends to learn its neighbours' revoked ids and clock: ours
    /// answer with theirs, so a Celery worker joining a mixed fleet knows what ours have revoked.
    /// </summary>
    public JsonNode? Hello(string? fromNode)
    {
        if (fromNode == worker.Name)
        {
            return null;
        }
        var revoked = new JsonObject();
        foreach (var (id, at) in revocations.Snapshot())
        {
            // Celery's LimitedSet.update wants float timestamps: an int is refused.
            revoked[id] = ControlReply.Float(PythonTime.Timestamp(at));
        }
        return new JsonObject { ["revoked"] = revoked, ["clock"] = clock.Forward() };
    }
}
