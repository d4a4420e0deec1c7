using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>Enqueues a run's child tasks and remembers them for the result's <c>children</c>.</summary>
internal sealed class ChildCollector(TaskPublisher publisher, TimeProvider time, TaskMessage parent, int parentPriority)
{
    private readonly object _lock = new();
    private JsonArray? _children;
    private int _ordinal;

    // Read once the handler has finished, when no more children can be added.
    public JsonArray? Children => Volatile.Read(ref _children);

    public async Task<string> EnqueueAsync(ChildTaskRequest request, CancellationToken cancellationToken)
    {
        var ordinal = Interlocked.Increment(ref _ordinal);
        var published = await publisher.PublishAsync(new TaskRequest
        {
            TaskName = request.TaskName,
            TaskId = MessageIds.ForChild(parent.Id, request.TaskName, ordinal),
            Args = request.Args,
            Kwargs = request.Kwargs,
            Priority = request.Priority ?? parentPriority,
            Eta = request.Countdown is { } c ? time.GetUtcNow() + c : null,
            ParentId = parent.Id,
            RootId = parent.RootId ?? parent.Id,
        }, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            // Celery's tuple form of an AsyncResult: [[id, parent], None].
            (_children ??= []).Add(new JsonArray(new JsonArray(published.TaskId, null), null));
        }
        return published.TaskId;
    }
}
