using Afirgen.TaskProcessor.Engine.Control;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.RedisBroker.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's inspect commands (<c>celery/worker/control.py</c>, type <c>inspect</c>) answered from this worker's own
/// state, in the shapes Celery's worker gives: <c>ping</c>, <c>active</c>, <c>reserved</c>, <c>scheduled</c>,
/// <c>registered</c>, <c>stats</c>, <c>active_queues</c>, <c>revoked</c>, <c>conf</c>, <c>report</c>, <c>query_task</c>,
/// <c>clock</c> and mingle's <c>hello</c>. A task's arguments are never shown (<c>args</c>/<c>kwargs</c> null), as
/// nowhere else in this processor.
/// </summary>
internal sealed class InspectCommands(
    WorkerIdentity worker, TaskMonitor monitor, TaskRegistry registry, TaskRateLimits rateLimits, TaskTimeLimits timeLimits,
    RecentRevocations revocations, WorkerPool pool, CeleryMessageParser parser, Transport.RedisBroker broker, LamportClock clock,
    CeleryEventPublisher events, TaskRouter router, IServiceProvider services, TimeProvider time,
    IOptions<WorkerOptions> workerOptions, IOptions<TimeLimitOptions> limits, IOptions<ResultOptions> results,
    IOptions<MonitoringOptions> monitoring, IOptions<RedisOptions> redis, IOptions<RoutingOptions> routing)
{
    // At most this many scheduled messages per queue in one answer (Celery's lists what one worker holds; ours read the broker).
    private const int MaxScheduledPerQueue = 1000;
    private static readonly string SoftwareVersion =
        typeof(InspectCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private QueueConsumerService? Consumer => services.GetService<QueueConsumerService>();

    public static JsonObject Ok(string value) => new() { ["ok"] = value };

    public JsonNode Ping() => Ok("pong");

    public JsonNode Clock() => new JsonObject { ["clock"] = clock.Value };

    /// <summary>The tasks running here now (Celery's <c>Request.info()</c> each).</summary>
    public JsonNode Active() => new JsonArray([.. monitor.Active.Select(ActiveInfo)]);

    /// <summary>The messages held here that have not started (prefetched, waiting for their rate limit or a slot).</summary>
    public JsonNode Reserved() => new JsonArray([.. HeldUnstarted().Select(h => (JsonNode)HeldInfo(h.Message, h.Queue, h.DeliveryCount))]);

    /// <summary>
    /// The ETA, countdown and retry messages due later on the queues this worker consumes. A Celery worker lists those
    /// it keeps in memory; ours keep none (they wait in the broker's delayed set, for whichever worker is free when they
    /// are due), so each of our workers lists those of its queues, soonest first, at most 1,000 a queue.
    /// </summary>
    public async Task<JsonNode> ScheduledAsync()
    {
        var scheduled = new JsonArray();
        foreach (var queue in Consumer?.Queues ?? [])
        {
            foreach (var (envelope, due) in await broker.PeekDelayedAsync(queue, MaxScheduledPerQueue).ConfigureAwait(false))
            {
                if (parser.Parse(envelope) is ParseOutcome.Parsed { Message: var message })
                {
                    scheduled.Add(new JsonObject
                    {
                        ["eta"] = PythonTime.IsoFormat(message.Eta ?? due),
                        ["priority"] = message.Priority,
                        ["request"] = HeldInfo(message, queue, 0),
                    });
                }
            }
        }
        return scheduled;
    }

    /// <summary>
    /// The registered task names, sorted; with <paramref name="infoItems"/> (Celery's <c>taskinfoitems</c>, by default
    /// <c>exchange routing_key rate_limit</c>) the ones set shown as <c>name [rate_limit=10/m]</c>.
    /// </summary>
    public JsonNode Registered(IReadOnlyList<string> infoItems)
    {
        var items = infoItems.Count > 0 ? infoItems : ["exchange", "routing_key", "rate_limit"];
        var rates = rateLimits.Limits;
        var names = new JsonArray();
        foreach (var task in registry.All)
        {
            var fields = items.Select(item => (item, value: TaskInfo(task, item, rates))).Where(f => f.value is not null).ToArray();
            names.Add(fields.Length == 0 ? task.Name : $"{task.Name} [{string.Join(' ', fields.Select(f => f.item + "=" + f.value))}]");
        }
        return names;
    }

    private string? TaskInfo(TaskDefinition task, string item, IReadOnlyDictionary<string, string> rates)
    {
        var (setSoft, setHard) = timeLimits.Get(task.Name);
        return item switch
        {
            "rate_limit" => rates.GetValueOrDefault(task.Name),
            "time_limit" => (setHard ?? task.Options.HardTimeLimit) is { } hard ? PythonFloat(hard.TotalSeconds) : null,
            "soft_time_limit" => (setSoft ?? task.Options.SoftTimeLimit) is { } soft ? PythonFloat(soft.TotalSeconds) : null,
            "max_retries" => task.Options.Retry.MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "ignore_result" => task.Options.IgnoreResult ? "True" : "False",
            "priority" => task.Options.Priority?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "queue" => router.Route(task.Name).Queue,
            _ => null,
        };
    }

    /// <summary>Celery's <c>stats</c>: this worker's counters, pool, broker and resource use.</summary>
    public JsonNode Stats()
    {
        var total = new JsonObject();
        foreach (var (name, counters) in monitor.Counters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            total[name] = counters.Received;
        }
        var url = broker.Url;
        var options = broker.Options;
        using var process = Process.GetCurrentProcess();
        return new JsonObject
        {
            ["total"] = total,
            ["pid"] = worker.ProcessId,
            ["clock"] = clock.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["uptime"] = (long)Math.Round((time.GetUtcNow() - worker.StartedAt).TotalSeconds),
            ["pool"] = new JsonObject
            {
                ["implementation"] = "afirgen-tasks:async",
                ["max-concurrency"] = pool.Concurrency,
                ["processes"] = new JsonArray(worker.ProcessId),
                ["max-tasks-per-child"] = "N/A",
                ["put-guarded-by-semaphore"] = false,
                ["timeouts"] = new JsonArray(limits.Value.Soft.TotalSeconds, limits.Value.Hard.TotalSeconds),
            },
            ["broker"] = new JsonObject
            {
                ["hostname"] = url.Host,
                ["userid"] = url.User,
                ["virtual_host"] = url.Database.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["port"] = url.Port,
                ["insist"] = false,
                ["ssl"] = url.Tls,
                ["transport"] = "redis",
                ["connect_timeout"] = 5,
                ["transport_options"] = TransportOptions(options),
                ["login_method"] = null,
                ["uri_prefix"] = null,
                ["heartbeat"] = 0,
                ["failover_strategy"] = "round-robin",
                ["alternates"] = new JsonArray(),
            },
            ["prefetch_count"] = Consumer?.PrefetchCount ?? workerOptions.Value.PrefetchCount,
            ["rusage"] = new JsonObject
            {
                ["utime"] = process.UserProcessorTime.TotalSeconds,
                ["stime"] = process.PrivilegedProcessorTime.TotalSeconds,
                ["maxrss"] = process.PeakWorkingSet64 / 1024,
            },
        };
    }

    /// <summary>The queues consumed, as kombu's <c>Queue.as_dict(recurse=True)</c> gives Celery's automatic queues.</summary>
    public JsonNode ActiveQueues() => new JsonArray([.. (Consumer?.Queues ?? []).Select(q => (JsonNode)KombuQueue(q))]);

    /// <summary>The ids revoked through this worker (see <see cref="RecentRevocations"/>).</summary>
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
            revoked[id] = Float(PythonTime.Timestamp(at));
        }
        return new JsonObject { ["revoked"] = revoked, ["clock"] = clock.Forward() };
    }

    /// <summary>The tasks among <paramref name="ids"/> this worker runs or holds: <c>{id: [state, info]}</c>.</summary>
    public JsonNode QueryTask(IReadOnlyList<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var found = new JsonObject();
        foreach (var active in monitor.Active.Where(a => wanted.Contains(a.TaskId)))
        {
            found[active.TaskId] = new JsonArray("active", ActiveInfo(active));
        }
        foreach (var held in HeldUnstarted().Where(h => wanted.Contains(h.Message.Id) && !found.ContainsKey(h.Message.Id)))
        {
            found[held.Message.Id] = new JsonArray("reserved", HeldInfo(held.Message, held.Queue, held.DeliveryCount));
        }
        return found;
    }

    /// <summary>Celery's <c>conf</c>: this worker's settings under the names of the Celery settings they stand for.</summary>
    public JsonNode Conf()
    {
        var w = workerOptions.Value;
        var routes = new JsonObject();
        foreach (var route in routing.Value.EffectiveRoutes)
        {
            routes[route.Pattern] = new JsonObject { ["queue"] = route.Queue };
        }
        return new JsonObject
        {
            ["broker_url"] = broker.Url.ToString(),
            ["result_backend"] = ResultBackend(),
            ["broker_transport_options"] = TransportOptions(broker.Options),
            ["worker_concurrency"] = pool.Concurrency,
            ["worker_prefetch_multiplier"] = w.PrefetchMultiplier,
            ["task_acks_late"] = true,
            ["task_reject_on_worker_lost"] = true,
            ["task_time_limit"] = limits.Value.Hard.TotalSeconds,
            ["task_soft_time_limit"] = limits.Value.Soft.TotalSeconds,
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

    /// <summary>Celery's <c>report</c>: what runs here, for a bug report.</summary>
    public JsonNode Report()
    {
        var text = new StringBuilder("\n");
        text.Append("software -> afirgen-tasks:").Append(SoftwareVersion).Append(" .NET:").Append(RuntimeInformation.FrameworkDescription).Append('\n');
        text.Append("platform -> system:").Append(RuntimeInformation.OSDescription).Append(" arch:").Append(RuntimeInformation.ProcessArchitecture).Append('\n');
        text.Append("settings -> transport:redis results:").Append(ResultBackend()).Append("\n\n");
        foreach (var (key, value) in Conf().AsObject())
        {
            text.Append(key).Append(": ").Append(PythonRepr.Of(value)).Append('\n');
        }
        return Ok(text.ToString());
    }

    private string ResultBackend()
    {
        var options = redis.Value;
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return "memory (this process)";
        }
        try
        {
            return RedisBrokerUrl.FromConfiguration(options.Configuration, options.ResolvedDatabase).ToString();
        }
        catch (FormatException)
        {
            return "redis";
        }
    }

    private static JsonObject TransportOptions(RedisBrokerOptions options)
    {
        var transport = new JsonObject { ["visibility_timeout"] = options.CeleryVisibilityTimeout.TotalSeconds };
        if (options.GlobalKeyPrefix.Length > 0)
        {
            transport["global_keyprefix"] = options.GlobalKeyPrefix;
        }
        return transport;
    }

    private IEnumerable<(TaskMessage Message, string Queue, int DeliveryCount)> HeldUnstarted()
    {
        var running = monitor.Active.Select(a => a.MessageId).ToHashSet(StringComparer.Ordinal);
        foreach (var (message, _) in (Consumer?.Held() ?? []).OrderBy(h => h.ReceivedAt))
        {
            if (!running.Contains(message.MessageId) && parser.Parse(message.Body) is ParseOutcome.Parsed { Message: var parsed })
            {
                yield return (parsed, message.Queue, message.DeliveryCount);
            }
        }
    }

    private JsonObject ActiveInfo(ActiveTask task) =>
        Info(task.TaskId, task.Name, task.Queue, task.Priority, task.DeliveryCount > 1, PythonTime.Timestamp(task.StartedAt), worker.ProcessId);

    private JsonObject HeldInfo(TaskMessage message, string queue, int deliveryCount) =>
        Info(message.Id, message.TaskName, queue, message.Priority, deliveryCount > 1, null, null);

    private JsonObject Info(string id, string name, string queue, int? priority, bool redelivered, double? started, int? pid) =>
        CeleryRequestInfo.Create(id, name, queue, priority, redelivered, worker.Name, started, pid);

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

    // A JSON number that Python reads as a float (a whole one too: 3600.0, not 3600).
    private static JsonNode Float(double value) => JsonNode.Parse(value.ToString("0.0###############", System.Globalization.CultureInfo.InvariantCulture))!;

    private static string PythonFloat(double seconds) => PythonRepr.Of(Float(seconds));
}
