using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Priority;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Routing;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Sends what a finished task asks to run next: the next link of its chain and its callbacks after a success, its
/// errbacks after a failure, and its chord's body (or the chord's failure) once its part completes the join. Every
/// follow-up carries a deterministic id, so sending it again after a redelivery is dropped by the broker.
/// </summary>
internal sealed class FollowUpPublisher(TaskPublisher publisher, TaskRouter router, IResultStore results, ResultRecorder recorder, ILogger<TaskRunner> logger)
{
    private readonly ChordJoin _chords = new(results);

    /// <summary>Sends the next link of <paramref name="attempt"/>'s chain and its callbacks, each given <paramref name="result"/>.</summary>
    public async Task SendFollowUpsAsync(TaskAttempt attempt, JsonNode? result, CancellationToken abortToken)
    {
        var message = attempt.Message;
        if (message.Chain.Count > 0)
        {
            var next = message.Chain[0];
            var rest = message.Chain.Count == 1 ? [] : message.Chain.Skip(1).ToArray();
            await PublishSignatureAsync(attempt, next, result, rest, MessageIds.ChainRole, abortToken).ConfigureAwait(false);
        }
        for (var i = 0; i < message.Callbacks.Count; i++)
        {
            await PublishSignatureAsync(attempt, message.Callbacks[i], result, [], $"link-{i}", abortToken).ConfigureAwait(false);
        }
    }

    public async Task SendErrbacksAsync(TaskAttempt attempt, CancellationToken abortToken)
    {
        // Old-style errbacks: called with the failed task's id (the form every Celery version accepts).
        var message = attempt.Message;
        for (var i = 0; i < message.Errbacks.Count; i++)
        {
            await PublishSignatureAsync(attempt, message.Errbacks[i], JsonValue.Create(message.Id), [], $"link-error-{i}", abortToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds a chord header task's outcome to its chord and does what follows (<see cref="ChordJoin"/>): runs the body with
    /// every header task's result, or stores its FAILURE (ChordError) and calls its errbacks; then forgets the join.
    /// Nothing for a task that is no chord's header.
    /// </summary>
    public Task ReturnChordPartAsync(TaskAttempt attempt, string state, JsonNode? result, CancellationToken abortToken) =>
        attempt.Message.Chord is null ? Task.CompletedTask : JoinChordAsync(attempt, state, result, abortToken);

    private async Task JoinChordAsync(TaskAttempt attempt, string state, JsonNode? result, CancellationToken abortToken)
    {
        switch (await _chords.PartReturnedAsync(attempt.Message, state, result, abortToken).ConfigureAwait(false))
        {
            case ChordJoin.ChordStep.RunBody run:
                if (run.Body.SubtaskType == "chain" && CeleryMessageParser.TryReadSignatures(run.Body.Kwargs["tasks"]) is { Count: > 0 } links)
                {
                    // A chain as the body: its first task gets the results, the rest follow it.
                    await PublishSignatureAsync(attempt, links[0], run.Results, [.. links.Skip(1)], "chord", abortToken).ConfigureAwait(false);
                }
                else
                {
                    await PublishSignatureAsync(attempt, run.Body, run.Results, [], "chord", abortToken).ConfigureAwait(false);
                }
                RunnerLog.ChordBodySent(logger, run.GroupId, run.Body.TaskId ?? "?", run.Body.TaskName, run.Results.Count);
                await results.ForgetChordAsync(run.GroupId, abortToken).ConfigureAwait(false);
                break;

            case ChordJoin.ChordStep.Fail fail:
                // Celery's chord_error_from_stack: the body's own result is the failure, and its errbacks hear of it.
                await recorder.StoreOutcomeAsync(recorder.FailureOf(fail.BodyId, fail.Error, PythonTraceback.ForWorkerError("chord join", fail.Error)), abortToken).ConfigureAwait(false);
                RunnerLog.ChordFailed(logger, fail.GroupId, fail.BodyId, fail.Error["exc_message"]?[0]?.ToString() ?? "");
                if (fail.Body is { } body)
                {
                    var i = 0;
                    foreach (var errback in CeleryMessageParser.TryReadSignatures(body.Options["link_error"]))
                    {
                        await PublishSignatureAsync(attempt, errback, JsonValue.Create(fail.BodyId), [], $"chord-error-{i++}", abortToken).ConfigureAwait(false);
                    }
                }
                await results.ForgetChordAsync(fail.GroupId, abortToken).ConfigureAwait(false);
                break;

            case ChordJoin.ChordStep.Unsupported unsupported:
                RunnerLog.ChordUnsupported(logger, unsupported.GroupId, unsupported.Reason);
                break;
        }
    }

    /// <summary>Publishes <paramref name="signature"/> as a child of <paramref name="attempt"/>'s task, <paramref name="value"/> first in its args unless it is immutable.</summary>
    private async Task PublishSignatureAsync(TaskAttempt attempt, TaskSignature signature, JsonNode? value, IReadOnlyList<TaskSignature> chain, string role, CancellationToken abortToken)
    {
        var parent = attempt.Message;
        var args = (JsonArray)signature.Args.DeepClone();
        if (!signature.Immutable)
        {
            args.Insert(0, value?.DeepClone());
        }
        try
        {
            await publisher.PublishAsync(new TaskRequest
            {
                TaskName = signature.TaskName,
                TaskId = MessageIds.ForFollowUpLink(parent.Id, signature, role),
                Args = args,
                Kwargs = (JsonObject)signature.Kwargs.DeepClone(),
                // Celery's task_inherit_parent_priority: a link without its own priority runs at its parent's.
                Priority = signature.Priority is { } p && Priorities.IsValid(p) ? p : attempt.Priority,
                Queue = signature.Queue is { } q && router.IsKnownQueue(q) ? q : null,
                ParentId = parent.Id,
                RootId = parent.RootId ?? parent.Id,
                Chain = chain,
                // The signature's own callbacks and errbacks (Celery's link / link_error options) go with it.
                Callbacks = CeleryMessageParser.TryReadSignatures(signature.Options["link"]),
                Errbacks = CeleryMessageParser.TryReadSignatures(signature.Options["link_error"]),
            }, abortToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RunnerLog.FollowUpFailed(logger, ex, signature.TaskName, parent.Id);
            throw;
        }
    }
}
