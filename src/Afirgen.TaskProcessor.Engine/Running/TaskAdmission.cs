using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Control;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Routing;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Lets a parsed delivery in to run: settles its priority, waits for its task's rate limit, then for a slot of the
/// priority gate, highest priority first. Concurrency counts running handlers, as Celery's pool does.
/// </summary>
internal sealed class TaskAdmission(TaskPublisher publisher, TaskRouter router, TaskObservers observers, TaskRateLimits rateLimits, PriorityGate gate, TimeProvider time)
{
    /// <summary>The priority <paramref name="message"/> runs at (its own, else its route's or queue's); observers hear it was received.</summary>
    public int Receive(TaskMessage message, string queue)
    {
        var priority = message.Priority ?? publisher.ResolvePriority(null, message.TaskName, router.Route(message.TaskName), queue);
        if (observers.Any)
        {
            observers.Received(message, queue, priority);
        }
        return priority;
    }

    /// <summary>Whether <paramref name="message"/> waits for its task's rate limit before it takes a slot (not when it will not run now).</summary>
    public bool MustWaitTurn(TaskMessage message)
    {
        var now = time.GetUtcNow();
        return rateLimits.Any && !TaskTriage.IsExpired(message, now) && !TaskTriage.IsEarly(message, now);
    }

    /// <summary>Waits for <paramref name="message"/>'s turn under its task's rate limit, as Celery's worker does before its pool.</summary>
    public ValueTask WaitTurnAsync(TaskMessage message, CancellationToken stopWaiting) => rateLimits.WaitAsync(message.TaskName, stopWaiting);

    /// <summary>Waits for a slot of the priority gate; throws when <paramref name="stopWaiting"/> fires first.</summary>
    public ValueTask<GateSlot> EnterAsync(ReceivedMessage received, int priority, CancellationToken stopWaiting) =>
        gate.EnterAsync(priority, received.Queue, received.EnqueuedAt, stopWaiting);
}
