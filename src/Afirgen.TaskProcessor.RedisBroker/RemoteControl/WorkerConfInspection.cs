using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Events;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's <c>conf</c> (this worker's settings under the names of the Celery settings they stand for), the queues it
/// consumes (<c>active_queues</c>, in kombu's shape) and <c>report</c>, which shows both for a bug report.
/// </summary>
internal sealed class WorkerConfInspection(
    BrokerDescription broker, PoolDescription pool, CeleryEventPublisher events, TaskRouter router,
    IOptions<ResultOptions> results, IOptions<MonitoringOptions> monitoring, IOptions<RoutingOptions> routing)
{
    private static readonly string SoftwareVersion =
        typeof(WorkerConfInspection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public JsonNode Conf()
    {
        var routes = new JsonObject();
        foreach (var route in routing.Value.EffectiveRoutes)
        {
            routes[route.Pattern] = new JsonObject { ["queue"] = route.Queue };
        }
        var limits = pool.TimeLimits;
        return new JsonObject
        {
            ["broker_url"] = broker.BrokerUrl,
            ["result_backend"] = broker.ResultBackend(),
            ["broker_transport_options"] = broker.TransportOptions(),
            ["worker_concurrency"] = pool.Concurrency,
            ["worker_prefetch_multiplier"] = pool.PrefetchMultiplier,
            ["task_acks_late"] = true,
            ["task_reject_on_worker_lost"] = true,
            ["task_time_limit"] = limits.Hard.TotalSeconds,
            ["task_soft_time_limit"] = limits.Soft.TotalSeconds,
            ["result_expires"] = results.Value.Expires.TotalSeconds,
            ["task_track_started"] = results.Value.TrackStarted,
            ["result_extended"] = results.Value.Extended,
            ["task_serializer"] = "json",
            ["result_serializer"] = "json",
            ["accept_content"] = new JsonArray("json"),
            ["worker_send_task_events"] = events.TaskEventsEnabled,
            ["task_send_sent_event"] = monitoring.Value.SendSentEvent,
            ["task_inherit_parent_priority"] = true,
            ["task_default_queue"] = routing.Value.DefaultQueue,
            ["task_queues"] = new JsonArray([.. router.Queues.Select(q => (JsonNode)q)]),
            ["task_routes"] = routes,
        };
    }

    /// <summary>The queues consumed, as kombu's <c>Queue.as_dict(recurse=True)</c> gives Celery's automatic queues.</summary>
    public JsonNode ActiveQueues() => new JsonArray([.. pool.Queues.Select(q => (JsonNode)KombuQueue(q))]);

    /// <summary>Celery's <c>report</c>: what runs here, for a bug report.</summary>
    public JsonNode Report()
    {
        var text = new StringBuilder("\n");
        text.Append("software -> afirgen-tasks:").Append(SoftwareVersion).Append(" .NET:").Append(RuntimeInformation.FrameworkDescription).Append('\n');
        text.Append("platform -> system:").Append(RuntimeInformation.OSDescription).Append(" arch:").Append(RuntimeInformation.ProcessArchitecture).Append('\n');
        text.Append("settings -> transport:redis results:").Append(broker.ResultBackend()).Append("\n\n");
        foreach (var (key, value) in Conf().AsObject())
        {
            text.Append(key).Append(": ").Append(PythonRepr.Of(value)).Append('\n');
        }
        return ControlReply.Ok(text.ToString());
    }

    private static JsonObject KombuQueue(string name) => new()
    {
        ["name"] = name,
        ["exchange"] = new JsonObject
        {
            ["name"] = name,
            ["type"] = "direct",
            ["arguments"] = null,
            ["durable"] = true,
            ["passive"] = false,
            ["auto_delete"] = false,
            ["delivery_mode"] = null,
            ["no_declare"] = false,
        },
        ["routing_key"] = name,
        ["queue_arguments"] = null,
        ["binding_arguments"] = null,
        ["consumer_arguments"] = null,
        ["durable"] = true,
        ["exclusive"] = false,
        ["auto_delete"] = false,
        ["no_ack"] = false,
        ["alias"] = null,
        ["bindings"] = new JsonArray(),
        ["no_declare"] = null,
        ["expires"] = null,
        ["message_ttl"] = null,
        ["max_length"] = null,
        ["max_length_bytes"] = null,
        ["max_priority"] = null,
    };
}
