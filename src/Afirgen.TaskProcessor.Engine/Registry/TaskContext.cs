using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>Everything a handler knows about the run it is in.</summary>
public sealed class TaskContext
{
    private readonly Func<ChildTaskRequest, CancellationToken, Task<string>> _enqueueChild;

    internal TaskContext(
        string taskId, string taskName, string queue, int priority, int retries, int deliveryCount,
        string? parentId, string rootId, JsonArray args, JsonObject kwargs, IReadOnlyDictionary<string, JsonNode?> arguments,
        ILogger logger, IServiceProvider services, Func<ChildTaskRequest, CancellationToken, Task<string>> enqueueChild,
        CancellationToken cancellationToken)
    {
        TaskId = taskId;
        TaskName = taskName;
        Queue = queue;
        Priority = priority;
        Retries = retries;
        DeliveryCount = deliveryCount;
        ParentId = parentId;
        RootId = rootId;
        Args = args;
        Kwargs = kwargs;
        Arguments = arguments;
        CancellationToken = cancellationToken;
        Logger = logger;
        Services = services;
        _enqueueChild = enqueueChild;
    }

    public string TaskId { get; }
    public string TaskName { get; }
    public string Queue { get; }

    /// <summary>The priority this run was served at, 1 (lowest) to 10 (highest).</summary>
    public int Priority { get; }

    /// <summary>Retries before this run (0 on the first attempt).</summary>
    public int Retries { get; }

    /// <summary>How often the broker has delivered this message (above 1 after a worker died mid-run).</summary>
    public int DeliveryCount { get; }

    public string? ParentId { get; }
    public string RootId { get; }

    /// <summary>The raw positional arguments.</summary>
    public JsonArray Args { get; }

    /// <summary>The raw keyword arguments.</summary>
    public JsonObject Kwargs { get; }

    /// <summary>Arguments bound to the task's declared parameters (empty when it declares none).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Arguments { get; }

    /// <summary>Fires at the soft time limit, on revoke with terminate, and when the host shuts down.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A logger scoped to the task id and name. Log ids and names, never arguments or personal data.</summary>
    public ILogger Logger { get; }

    /// <summary>The run's DI scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// The bound argument <paramref name="name"/> as <typeparamref name="T"/>. A value of the wrong type is
    /// a <see cref="TaskArgumentException"/> (not retried).
    /// </summary>
    public T? Get<T>(string name)
    {
        if (!Arguments.TryGetValue(name, out var node))
        {
            throw new InvalidOperationException($"The task {TaskName} declares no parameter '{name}'.");
        }
        if (node is null)
        {
            return default;
        }
        try
        {
            return node.Deserialize<T>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new TaskArgumentException($"Argument '{name}' of {TaskName} must be {typeof(T).Name}; got {node.GetValueKind().ToString().ToLowerInvariant()}.");
        }
    }

    /// <summary>
    /// Enqueues a child task. It carries this task as parent and root, inherits this task's priority
    /// unless <paramref name="priority"/> is given, and has an id derived from this task's, so a run
    /// repeated after a crash enqueues the same child (dropped as a duplicate) rather than a second one.
    /// Returns the child's task id.
    /// </summary>
    public Task<string> EnqueueAsync(string taskName, JsonArray? args = null, JsonObject? kwargs = null, int? priority = null, TimeSpan? countdown = null) =>
        _enqueueChild(new ChildTaskRequest(taskName, args ?? [], kwargs ?? [], priority, countdown), CancellationToken);
}

/// <summary>A child task a handler asked for.</summary>
public sealed record ChildTaskRequest(string TaskName, JsonArray Args, JsonObject Kwargs, int? Priority, TimeSpan? Countdown);
