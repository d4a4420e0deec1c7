namespace Afirgen.TaskProcessor.Engine.Results;

/// <summary>The result store could not be reached or did not answer in time.</summary>
public sealed class ResultStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
