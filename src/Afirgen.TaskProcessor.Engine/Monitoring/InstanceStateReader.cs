using System.Reflection;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>
/// Reads this instance's state for its heartbeat (<see cref="MonitoringService"/> writes it): identity, queues, pool
/// size and prefetch as they are now, the active and reserved tasks, and the counters.
/// </summary>
public sealed class InstanceStateReader
{
    private static readonly string EngineVersion =
        typeof(InstanceStateReader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly TaskMonitor _monitor;
    private readonly WorkerIdentity _identity;
    private readonly WorkerOptions _worker;
    private readonly BrokerQueueOptions _broker;
    private readonly MonitoringOptions _options;
    private readonly IReadOnlyList<string> _queues;
    private readonly IServiceProvider _services;

    public InstanceStateReader(TaskMonitor monitor, WorkerIdentity identity, TaskRouter router, IOptions<WorkerOptions> worker,
        IOptions<BrokerQueueOptions> broker, IOptions<MonitoringOptions> options, IServiceProvider services)
    {
        _monitor = monitor;
        _identity = identity;
        _worker = worker.Value;
        _broker = broker.Value;
        _options = options.Value;
        _queues = _worker.Queues.Count > 0 ? _worker.Queues : router.Queues;
        _services = services;
    }

    /// <summary>This instance's name in the monitoring store.</summary>
    public string Name => _identity.Name;

    /// <summary>How long a heartbeat stays: its expiry plus the lock duration, so a busy instance is not dropped between two.</summary>
    public TimeSpan HeartbeatLifetime => _options.HeartbeatExpiry + _broker.LockDuration;

    /// <summary>This instance's heartbeat as of <paramref name="now"/>.</summary>
    public InstanceState Read(DateTimeOffset now)
    {
        var active = _monitor.Active;
        var running = active.Select(a => a.MessageId).ToHashSet(StringComparer.Ordinal);
        var consumer = _services.GetService<QueueConsumerService>();
        var reserved = consumer?.Held()
            .Where(h => !running.Contains(h.Message.MessageId))
            .OrderBy(h => h.ReceivedAt)
            .Select(h => Reserved(h.Message, h.ReceivedAt))
            .ToArray() ?? [];
        return new InstanceState
        {
            Name = _identity.Name,
            Hostname = _identity.Hostname,
            ProcessId = _identity.ProcessId,
            Version = EngineVersion,
            StartedAt = _identity.StartedAt,
            HeartbeatAt = now,
            HeartbeatExpiry = _options.HeartbeatExpiry,
            LockDuration = _broker.LockDuration,
            // Remote control may have changed these since the start (add_consumer, pool_grow, …).
            Queues = consumer?.Queues ?? _queues,
            Concurrency = _services.GetService<PriorityGate>()?.Concurrency ?? _worker.Concurrency,
            PrefetchCount = consumer?.PrefetchCount ?? _worker.PrefetchCount,
            Active = active,
            Reserved = reserved,
            Counters = _monitor.Counters,
            DroppedEvents = _monitor.DroppedEvents,
        };
    }

    private ReservedMessage Reserved(ReceivedMessage message, DateTimeOffset receivedAt)
    {
        // What Celery's inspect reserved names (id, name, priority): the body is parsed again, a held message at a
        // time (at most the prefetch count per heartbeat); one that does not parse is listed by its message id.
        var parsed = _services.GetService<CeleryMessageParser>()?.Parse(message.Body) as ParseOutcome.Parsed;
        return new ReservedMessage(message.Queue, message.MessageId, receivedAt, parsed?.Message.Id, parsed?.Message.TaskName, parsed?.Message.Priority, message.DeliveryCount);
    }
}
