namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>Celery's task states, spelled as Celery stores them.</summary>
public static class TaskStates
{
    public const string Pending = "PENDING";
    public const string Started = "STARTED";
    public const string Retry = "RETRY";
    public const string Success = "SUCCESS";
    public const string Failure = "FAILURE";
    public const string Revoked = "REVOKED";

    /// <summary>True for the states after which a task never runs again (Celery's READY_STATES).</summary>
    public static bool IsTerminal(string state) => state is Success or Failure or Revoked;
}
