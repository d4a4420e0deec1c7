namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>The result store could not be reached or did not answer in time.</summary>
/// <remarks>
/// Its message is what a user can act on (it becomes the API's 503 detail); the client library's own message, which
/// for a Redis client carries its whole connection state, stays in the inner exception, for the log.
/// </remarks>
public sealed class ResultStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The kind of failure in a few words: a timeout, or the exception's type (a store adds its own kinds).</summary>
    public static string Describe(Exception ex) => ex switch
    {
        TimeoutException => "no answer in time",
        _ => ex.GetType().Name,
    };
}
