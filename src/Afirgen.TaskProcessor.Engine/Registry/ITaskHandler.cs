using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>
/// The work of one task. Resolved from a fresh DI scope per run, so nothing leaks from one task to the
/// next. Return the JSON result (stored as SUCCESS), throw to fail or retry (see <see cref="RetryPolicy"/>,
/// <see cref="TaskRetryException"/> and <see cref="PermanentTaskException"/>).
/// </summary>
public interface ITaskHandler
{
    ValueTask<JsonNode?> RunAsync(TaskContext context);
}
