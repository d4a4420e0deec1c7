namespace Afirgen.TaskProcessor.Engine.Broker;

/// <summary>
/// The broker could not be reached or did not answer in time: nothing was sent, received or settled by the call
/// that threw. Callers retry later, or answer "unavailable" (the HTTP API's 503).
/// </summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
