using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>What <c>POST /api/tasks/{id}/revoke</c> answers.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Revoked">Always true: the id is remembered as revoked, so no later delivery of it runs.</param>
/// <param name="PreviousState">The state before the revoke (null: nothing was stored for it).</param>
/// <param name="Terminate">Whether a run in progress was asked to stop.</param>
/// <param name="Message">What happened, in a sentence.</param>
public sealed record RevokeResponse(string Id, bool Revoked, string? PreviousState, bool Terminate, string Message)
{
    public static RevokeResponse From(RevokeOutcome outcome) => new(
        outcome.TaskId, true, outcome.PreviousState, outcome.Terminate,
        outcome switch
        {
            { AlreadyFinished: true } => $"The task had already finished ({outcome.PreviousState}); its result is unchanged and any later duplicate is dropped.",
            { StillRunning: true } => "The task is running and was not terminated: that run goes on and stores its own outcome; no later delivery will run. Revoke with terminate to stop it.",
            { Terminate: true, PreviousState: TaskStates.Started } => "The running task was asked to stop; it ends as REVOKED when its handler returns.",
            _ => "The task will not run: REVOKED is stored, and its queued or scheduled messages are dropped when they come up.",
        });
}
