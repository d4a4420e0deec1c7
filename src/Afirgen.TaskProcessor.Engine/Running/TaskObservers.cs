using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// The registered <see cref="ITaskObserver"/>s, called so that one that throws never reaches the task.
/// With none registered the runner creates no <see cref="TaskEvent"/> at all.
/// </summary>
public sealed class TaskObservers
{
    private readonly ITaskObserver[] _observers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public TaskObservers(IEnumerable<ITaskObserver> observers, ILogger<TaskObservers> logger, TimeProvider time)
    {
        _observers = observers.ToArray();
        _logger = logger;
        _time = time;
    }

    /// <summary>Whether any observer is registered.</summary>
    public bool Any => _observers.Length > 0;

    // Only built when someone listens: the quick path of a worker with no observers allocates nothing here.
    // Lineage is references the message already holds; the chain's ids are worked out only when it has one.
    internal TaskEvent? EventFor(TaskMessage message, ReceivedMessage received, int priority) => Any
        ? new TaskEvent(message.Id, message.TaskName, received.Queue, priority, message.Retries, received.DeliveryCount, received.MessageId, _time.GetUtcNow(), received.EnqueuedAt)
        {
            ParentId = message.ParentId,
            RootId = message.RootId,
            Chain = MessageIds.ForChain(message.Id, message.Chain),
        }
        : null;

    /// <summary>Tells every observer that <paramref name="task"/> was enqueued through this instance.</summary>
    public void Sent(PublishedTask task)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnSent(task);
            }
            catch (Exception ex)
            {
                RunnerLog.ObserverFailed(_logger, ex, observer.GetType().Name, task.TaskId);
            }
        }
    }

    internal void Received(TaskMessage message, string queue, int priority)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnReceived(message, queue, priority);
            }
            catch (Exception ex)
            {
                RunnerLog.ObserverFailed(_logger, ex, observer.GetType().Name, message.Id);
            }
        }
    }

    internal void Rejected(RejectedMessage message)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnRejected(message);
            }
            catch (Exception ex)
            {
                RunnerLog.ObserverFailed(_logger, ex, observer.GetType().Name, message.TaskId ?? "(none)");
            }
        }
    }

    internal void Started(TaskEvent? task) => Notify(task, static (o, t, _) => o.OnStarted(t), 0);

    internal void Succeeded(TaskEvent? task, JsonNode? result) => Notify(task, static (o, t, r) => o.OnSucceeded(t, r), result);

    internal void RetryScheduled(TaskEvent? task, int retryNumber, TaskFailure failure, DateTimeOffset eta) =>
        Notify(task, static (o, t, s) => o.OnRetryScheduled(t, s.retryNumber, s.failure, s.eta), (retryNumber, failure, eta));

    internal void Failed(TaskEvent? task, TaskFailure failure) =>
        Notify(task, static (o, t, f) => o.OnFailed(t, f), failure);

    internal void Revoked(TaskEvent? task, string reason) => Notify(task, static (o, t, r) => o.OnRevoked(t, r), reason);

    internal void RevokeRequested(string taskId, string? previousState, bool terminate)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnRevokeRequested(taskId, previousState, terminate);
            }
            catch (Exception ex)
            {
                RunnerLog.ObserverFailed(_logger, ex, observer.GetType().Name, taskId);
            }
        }
    }

    internal void Finished(TaskEvent? task) => Notify(task, static (o, t, _) => o.OnFinished(t), 0);

    private void Notify<TState>(TaskEvent? task, Action<ITaskObserver, TaskEvent, TState> call, TState state)
    {
        if (task is null)
        {
            return;
        }
        foreach (var observer in _observers)
        {
            try
            {
                call(observer, task, state);
            }
            catch (Exception ex)
            {
                RunnerLog.ObserverFailed(_logger, ex, observer.GetType().Name, task.TaskId);
            }
        }
    }
}
