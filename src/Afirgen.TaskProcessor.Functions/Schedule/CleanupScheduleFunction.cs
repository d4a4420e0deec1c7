using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Microsoft.Azure.Functions.Worker;

namespace Afirgen.TaskProcessor.Functions.Schedule;

/// <summary>Celery beat: enqueues the cleanup tasks at each occurrence of the <c>CleanupSchedule</c> app setting.</summary>
public sealed class CleanupScheduleFunction(ScheduledTaskEnqueuer enqueuer, TimeProvider time)
{
    /// <summary>
    /// The timer fires at an occurrence (or late, past due, after downtime); the engine takes the occurrence
    /// from the schedule, so a second firing for it enqueues nothing new. Turned off in worker groups that do
    /// not own the cleanup queue with <c>AzureWebJobs.ScheduleCleanup.Disabled</c>.
    /// </summary>
    [Function("ScheduleCleanup")]
    public Task ScheduleCleanupAsync([TimerTrigger("%" + CleanupSchedule.AppSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        enqueuer.EnqueueFiredAsync(time.GetUtcNow(), cancellationToken);
}
