namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// When a part chosen in <see cref="TaskProcessorRegistration.AddTaskProcessor"/> is registered, whatever order the host
/// chose its parts in: connections first (a store or broker uses them), then stores, the engine, the broker, the
/// application and last the telemetry exporters (which read every part's sources).
/// </summary>
public enum TaskProcessorStage
{
    /// <summary>Shared connections, such as a Redis multiplexer that authenticates with Entra ID.</summary>
    Connections,

    /// <summary>Where results, the monitoring index and revocations are kept.</summary>
    Stores,

    /// <summary>The one broker.</summary>
    Broker,

    /// <summary>Tasks, schedules, observers and APIs.</summary>
    Application,

    /// <summary>Exporters of <see cref="TaskProcessorBuilder.ActivitySources"/> and <see cref="TaskProcessorBuilder.Meters"/>.</summary>
    Telemetry,
}
