using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Results;

namespace Afirgen.TaskProcessor.Engine.Running;

/// <summary>
/// Decides what a chord header task's outcome means for its chord, as Celery 5.2's Redis result backend does
/// (<c>on_chord_part_return</c>): the outcome joins the chord's other header tasks (<c>celery-taskset-meta-&lt;group&gt;.j</c>,
/// ordered by <c>group_index</c>, counted against <c>.s</c>, the size Celery's producer sets, and <c>.t</c>); the task that
/// completes the join runs the body once with the list of every header task's result, or, when one of them failed
/// or was revoked, fails the body with Celery's <c>ChordError</c> ("Dependency &lt;id&gt; raised …"). Because the join is
/// Celery's own keys and format, a chord completes whether its header tasks ran on our workers, on Celery's, or both.
/// The runner carries out the decision (<see cref="ChordStep"/>).
/// </summary>
internal sealed class ChordJoin(IResultStore results)
{
    /// <summary>What to do after a header task's part was added.</summary>
    internal abstract record ChordStep
    {
        private ChordStep() { }

        /// <summary>Not a chord's header task, or the chord still waits for others.</summary>
        public sealed record Nothing : ChordStep;

        /// <summary>Every header task succeeded: run <paramref name="Body"/> with <paramref name="Results"/>.</summary>
        public sealed record RunBody(string GroupId, TaskSignature Body, JsonArray Results) : ChordStep;

        /// <summary>The chord failed: store <paramref name="Error"/> as the body's FAILURE (task <paramref name="BodyId"/>) and call its errbacks.</summary>
        public sealed record Fail(string GroupId, string BodyId, TaskSignature? Body, JsonObject Error) : ChordStep;

        /// <summary>The join could not be recorded on this Redis (a clustered one): the chord cannot complete here.</summary>
        public sealed record Unsupported(string GroupId, string Reason) : ChordStep;

        public static readonly Nothing None = new();
    }

    /// <summary>
    /// Adds <paramref name="message"/>'s outcome (<paramref name="state"/>, and its result or its exception as stored) to
    /// its chord's join and says what follows. A message that is no chord's header task costs one check.
    /// </summary>
    /// <exception cref="ResultStoreUnavailableException">Redis could not be reached: the message is to be given back (a redelivery joins again, counted once).</exception>
    public async Task<ChordStep> PartReturnedAsync(TaskMessage message, string state, JsonNode? result, CancellationToken cancellationToken)
    {
        if (message.Chord is null || message.GroupId is not { } groupId)
        {
            return ChordStep.None;
        }
        ChordJoinState join;
        try
        {
            join = await results.JoinChordPartAsync(groupId, message.Id, message.GroupIndex, Part(message.Id, state, result), cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException ex)
        {
            return new ChordStep.Unsupported(groupId, ex.Message);
        }
        if (!join.Ready)
        {
            return ChordStep.None;
        }

        var read = CeleryMessageParser.ReadSignature(message.Chord, "embed.chord");
        var body = read.Value;
        var bodyId = body?.TaskId ?? (message.Chord["options"]?["task_id"] is JsonValue v && v.TryGetValue(out string? id) ? id
            : MessageIds.ForFollowUp(groupId, body?.TaskName ?? "chord", "chord"));
        if (body is null)
        {
            return new ChordStep.Fail(groupId, bodyId, null, ChordError($"The chord's body is not a signature: {read.Problem}"));
        }
        if (join.Complex)
        {
            return new ChordStep.Fail(groupId, bodyId, body, ChordError(
                "Join error: this chord's header holds groups of its own, which afirgen-tasks workers do not join; run such chords' headers on Celery's workers."));
        }
        if (body.SubtaskType is "group" or "chord")
        {
            return new ChordStep.Fail(groupId, bodyId, body, ChordError(
                $"Callback error: a chord body that is a {body.SubtaskType} is not run by afirgen-tasks workers; use a task or a chain as the body."));
        }

        var values = new JsonArray();
        foreach (var text in join.Parts)
        {
            // Celery's _unpack_chord_result: [1, task id, state, result]; a failed or revoked part fails the chord.
            if (JsonNode.Parse(text) is not JsonArray { Count: 4 } part || part[2] is not JsonValue s || !s.TryGetValue(out string? partState))
            {
                return new ChordStep.Fail(groupId, bodyId, body, ChordError($"Join error: a part of the chord is not Celery's [1, id, state, result]: {text}"));
            }
            if (partState is TaskStates.Failure or TaskStates.Revoked)
            {
                var dependency = part[1]?.ToString() ?? "?";
                return new ChordStep.Fail(groupId, bodyId, body, ChordError($"Dependency {dependency} raised {PythonRepr.OfException(part[3])}"));
            }
            values.Add(part[3]?.DeepClone());
        }
        return new ChordStep.RunBody(groupId, body, values);
    }

    /// <summary>Celery's encoded part: <c>[1, task id, state, result or exception]</c>.</summary>
    private static string Part(string taskId, string state, JsonNode? result) =>
        new JsonArray(1, taskId, state, result?.DeepClone()).ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static JsonObject ChordError(string message) => CeleryExceptionInfo.Create("ChordError", "celery.exceptions", message);
}
