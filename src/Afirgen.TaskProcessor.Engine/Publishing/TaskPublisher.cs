using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Publishing;

/// <summary>A task ready to send: its message, where it goes, and its wire form.</summary>
public sealed record PreparedTask(TaskMessage Message, string Queue, int Priority, byte[] Body, string MessageId);

/// <summary>
/// Enqueues tasks in Celery's wire format: routes them, resolves their priority, checks the request
/// and sends it. Used by the HTTP API, the CLI, child tasks and chain links alike.
/// </summary>
public sealed class TaskPublisher(TaskRouter router, TaskRegistry registry, IMessageSender sender, TimeProvider timeProvider, IOptions<MessageOptions> messageOptions)
{
    private readonly int _maxBytes = messageOptions.Value.MaxMessageBytes;

    /// <summary>
    /// Enqueues <paramref name="request"/>. Throws <see cref="InvalidTaskRequestException"/> for a request
    /// that cannot be sent as given (priority out of range, unknown queue, message too large).
    /// </summary>
    public Task<PublishedTask> PublishAsync(TaskRequest request, CancellationToken cancellationToken) =>
        SendAsync(Prepare(request), cancellationToken);

    /// <summary>Sends a task <see cref="Prepare"/>d earlier.</summary>
    public async Task<PublishedTask> SendAsync(PreparedTask prepared, CancellationToken cancellationToken)
    {
        var message = prepared.Message;
        var notBefore = message.Eta is { } eta && eta > timeProvider.GetUtcNow() ? eta : (DateTimeOffset?)null;
        await sender.SendAsync(prepared.Queue, new OutgoingMessage(prepared.MessageId, message.Id, message.TaskName, prepared.Priority, prepared.Body), notBefore, cancellationToken).ConfigureAwait(false);
        return new PublishedTask(message.Id, message.TaskName, prepared.Queue, prepared.Priority, message.Eta, message.Expires);
    }

    /// <summary>
    /// Routes, checks and serializes <paramref name="request"/> without sending it. Throws
    /// <see cref="InvalidTaskRequestException"/> for a request that cannot be sent as given.
    /// </summary>
    public PreparedTask Prepare(TaskRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.TaskName))
        {
            throw new InvalidTaskRequestException("A task name is required.");
        }
        if (request.Priority is { } p && !Priorities.IsValid(p))
        {
            throw new InvalidTaskRequestException(Priorities.OutOfRangeMessage(p));
        }
        if (request.Queue is { } q && !router.IsKnownQueue(q))
        {
            throw new InvalidTaskRequestException($"There is no queue named '{q}'; the queues are {string.Join(", ", router.Queues)}.");
        }
        if (request.Eta is { } e && request.Expires is { } x && x <= e)
        {
            throw new InvalidTaskRequestException("The task would expire before it is due: expires must be later than eta.");
        }

        var route = router.Route(request.TaskName);
        var queue = request.Queue ?? route.Queue;
        var priority = ResolvePriority(request.Priority, request.TaskName, route, queue);
        var id = request.TaskId ?? Guid.NewGuid().ToString();
        var message = new TaskMessage
        {
            Id = id,
            TaskName = request.TaskName,
            Args = request.Args,
            Kwargs = request.Kwargs,
            Priority = priority,
            Eta = request.Eta,
            Expires = request.Expires,
            Retries = request.Retries,
            HardTimeLimit = request.HardTimeLimit,
            SoftTimeLimit = request.SoftTimeLimit,
            ParentId = request.ParentId,
            RootId = request.RootId ?? id,
            RoutingKey = queue,
            Chain = request.Chain,
            Callbacks = request.Callbacks,
            Errbacks = request.Errbacks,
            ExtraHeaders = TaskTelemetry.CreateMessage(request.TaskName, id, queue, request.ExtraHeaders),
            IgnoreResult = request.IgnoreResult,
        };
        var body = CeleryMessageWriter.Write(message, queue, priority);
        if (body.Length > _maxBytes)
        {
            throw new TaskMessageTooLargeException(
                $"The task's message would be {body.Length} bytes; the limit is {_maxBytes} bytes. Pass large inputs by reference (for example a blob path) instead of inline.");
        }
        return new PreparedTask(message, queue, priority, body, request.MessageId ?? MessageIds.ForTask(id));
    }

    /// <summary>
    /// A priority for a task: the one given, else the task's own, else its route's, else its queue's default.
    /// </summary>
    public int ResolvePriority(int? given, string taskName, TaskRoute route, string queue)
    {
        if (given is { } g)
        {
            return g;
        }
        if (registry.TryGet(taskName, out var definition) && definition.Options.Priority is { } own)
        {
            return own;
        }
        return queue == route.Queue ? route.DefaultPriority : router.DefaultPriorityOf(queue);
    }
}
