namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// A remote control command that fails as Celery's would: answered <c>{"error": "PythonType('message')"}</c>, the repr of
/// the exception Celery's worker would have raised.
/// </summary>
internal sealed class ControlCommandException(string pythonType, string message) : Exception(message)
{
    public string PythonType { get; } = pythonType;
}
