using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>A registered task: its name, options and how to run it.</summary>
public sealed class TaskDefinition
{
    private TaskDefinition(string name, TaskOptions options, Type? handlerType, Func<TaskContext, ValueTask<JsonNode?>>? handler)
    {
        Name = name;
        Options = options;
        HandlerType = handlerType;
        Handler = handler;
    }

    public string Name { get; }
    public TaskOptions Options { get; }

    /// <summary>The handler type resolved per run from a fresh scope, or null for a delegate task.</summary>
    public Type? HandlerType { get; }

    /// <summary>The delegate run for a delegate task (no scope is created for it).</summary>
    public Func<TaskContext, ValueTask<JsonNode?>>? Handler { get; }

    public static TaskDefinition ForType(string name, Type handlerType, TaskOptions options) => new(name, options, handlerType, null);

    public static TaskDefinition ForDelegate(string name, Func<TaskContext, ValueTask<JsonNode?>> handler, TaskOptions options) => new(name, options, null, handler);
}
