using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// The parts of one task processor, chosen in <see cref="TaskProcessorRegistration.AddTaskProcessor"/>: exactly one
/// broker (<c>UseServiceBus()</c>, <c>UseRedisBroker()</c> or <see cref="UseInMemoryBroker"/>), its stores, its tasks.
/// Each project adds its own <c>Use…</c>/<c>Add…</c> methods; a part is registered at its <see cref="TaskProcessorStage"/>,
/// so the order the host names its parts in does not matter.
/// </summary>
public sealed class TaskProcessorBuilder
{
    private readonly List<(TaskProcessorStage Stage, Action<TaskProcessorBuilder> Register)> _parts = [];
    private readonly List<string> _brokers = [];

    internal TaskProcessorBuilder(IHostApplicationBuilder host)
    {
        Host = host;
        ActivitySources.Add(TaskTelemetry.Name);
        Meters.Add(TaskTelemetry.Name);
    }

    /// <summary>The host being composed: its configuration, services and environment.</summary>
    public IHostApplicationBuilder Host { get; }

    /// <summary>The host's services.</summary>
    public IServiceCollection Services => Host.Services;

    /// <summary>The host's configuration (read at composition only for which parts to register).</summary>
    public IConfiguration Configuration => Host.Configuration;

    /// <summary>
    /// Every <c>ActivitySource</c> the chosen parts write spans to: the one list a telemetry exporter subscribes to.
    /// A part that writes its own adds its name.
    /// </summary>
    public ISet<string> ActivitySources { get; } = new SortedSet<string>(StringComparer.Ordinal);

    /// <summary>Every <c>Meter</c> the chosen parts record to; a part that records its own adds its name.</summary>
    public ISet<string> Meters { get; } = new SortedSet<string>(StringComparer.Ordinal);

    /// <summary>Adds a part, registered at <paramref name="stage"/> (parts of one stage in the order they were added).</summary>
    public TaskProcessorBuilder Add(TaskProcessorStage stage, Action<TaskProcessorBuilder> register)
    {
        ArgumentNullException.ThrowIfNull(register);
        _parts.Add((stage, register));
        return this;
    }

    /// <summary>
    /// Chooses the broker, named by the method a host calls for it (<c>UseServiceBus()</c>): a processor has exactly
    /// one, and starting with none or two fails with a sentence saying so. A broker that <paramref name="pullsMessages"/>
    /// (its <see cref="Broker.IMessageSource"/> is read) gets the engine's queue consumers; one that pushes them (a
    /// trigger) does not.
    /// </summary>
    public TaskProcessorBuilder UseBroker(string name, Action<TaskProcessorBuilder> register, bool pullsMessages = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(register);
        _brokers.Add(name);
        return Add(TaskProcessorStage.Broker, p =>
        {
            register(p);
            if (pullsMessages)
            {
                p.Services.AddQueueConsumers();
            }
        });
    }

    /// <summary>
    /// The embedded broker: every queue in this process's memory, lost when it exits (development and tests), with
    /// consumers that pull from it.
    /// </summary>
    public TaskProcessorBuilder UseInMemoryBroker() =>
        UseBroker("UseInMemoryBroker()", p => Broker.Embedded.EmbeddedBrokerRegistration.AddEmbeddedBroker(p.Services), pullsMessages: true);

    /// <summary>The diagnostic tasks (<c>diagnostics.*</c>: echo, sleep, fail) every host offers for smoke tests.</summary>
    public TaskProcessorBuilder AddDiagnosticTasks() =>
        Add(TaskProcessorStage.Application, p => Diagnostics.DiagnosticTasks.AddDiagnosticTasks(p.Services));

    /// <summary>The periodic schedule, fired by the host's own timer (a Functions timer trigger).</summary>
    public TaskProcessorBuilder AddSchedule() =>
        Add(TaskProcessorStage.Application, p => Scheduling.ScheduleRegistration.AddTaskSchedule(p.Services));

    /// <summary>The periodic schedule, run in this process (a host without a timer of its own).</summary>
    public TaskProcessorBuilder RunSchedule() =>
        Add(TaskProcessorStage.Application, p => Scheduling.ScheduleRegistration.AddTaskScheduleService(p.Services));

    /// <summary>Registers the engine and every part, stage by stage; refuses a composition without exactly one broker.</summary>
    internal void Build()
    {
        if (_brokers.Count == 0)
        {
            throw new InvalidOperationException(
                "No broker is chosen: call one of UseServiceBus(), UseRedisBroker() or UseInMemoryBroker() in AddTaskProcessor(...).");
        }
        if (_brokers.Count > 1)
        {
            throw new InvalidOperationException(
                $"{_brokers.Count} brokers are chosen ({string.Join(", ", _brokers)}): a task processor has one; keep only one of them in AddTaskProcessor(...).");
        }
        foreach (var stage in Enum.GetValues<TaskProcessorStage>())
        {
            if (stage == TaskProcessorStage.Broker)
            {
                Host.AddTaskEngine();
            }
            foreach (var (_, register) in _parts.Where(p => p.Stage == stage))
            {
                register(this);
            }
        }
    }
}
