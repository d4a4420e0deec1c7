using System.Collections.Frozen;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>The tasks this processor can run, by name.</summary>
public sealed class TaskRegistry
{
    private readonly FrozenDictionary<string, TaskDefinition> _tasks;

    public TaskRegistry(IEnumerable<TaskDefinition> definitions)
    {
        var tasks = new Dictionary<string, TaskDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (!tasks.TryAdd(definition.Name, definition))
            {
                throw new InvalidOperationException($"The task '{definition.Name}' is registered twice; each task name must have one handler.");
            }
        }
        _tasks = tasks.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every registered task, ordered by name.</summary>
    public IReadOnlyList<TaskDefinition> All => _tasks.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskDefinition? definition) =>
        _tasks.TryGetValue(name, out definition);
}
