namespace Afirgen.TaskProcessor.Engine.Routing;

/// <summary>The five queues of the seed's Celery set-up. Functions' trigger attributes use these constants.</summary>
public static class QueueNames
{
    public const string Default = "default";
    public const string Email = "email";
    public const string Reports = "reports";
    public const string Analytics = "analytics";
    public const string Cleanup = "cleanup";
}
