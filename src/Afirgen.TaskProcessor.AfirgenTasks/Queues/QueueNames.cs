using Afirgen.TaskProcessor.Engine.Routing;

namespace Afirgen.TaskProcessor.AfirgenTasks.Queues;

/// <summary>AFIRGen's five queues (its Celery set-up's) and their lanes. The Functions app's trigger attributes use these constants.</summary>
public static class QueueNames
{
    public const string Default = "default";
    public const string Email = "email";
    public const string Reports = "reports";
    public const string Analytics = "analytics";
    public const string Cleanup = "cleanup";

    // Their high lanes (QueueLanes.High: priorities 7–10), each a Service Bus queue of its own.
    public const string DefaultHigh = Default + QueueLanes.Separator + QueueLanes.High;
    public const string EmailHigh = Email + QueueLanes.Separator + QueueLanes.High;
    public const string ReportsHigh = Reports + QueueLanes.Separator + QueueLanes.High;
    public const string AnalyticsHigh = Analytics + QueueLanes.Separator + QueueLanes.High;
    public const string CleanupHigh = Cleanup + QueueLanes.Separator + QueueLanes.High;
}
