using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>
/// Celery beat for hosts without a timer trigger (the local host): waits for each occurrence of
/// <see cref="ScheduleOptions.Cron"/> and enqueues the schedule's tasks. Like beat, occurrences missed
/// while the process was down are not caught up; a failed enqueue is tried again every 30 s until it
/// succeeds or the next occurrence is due.
/// </summary>
public sealed partial class ScheduleService(
    ScheduledTaskEnqueuer enqueuer, TaskRegistry registry, IOptions<ScheduleOptions> options, TimeProvider time, ILogger<ScheduleService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }
        if (!CronSchedule.TryParse(settings.Cron, settings.TimeZone, out var schedule, out var error))
        {
            throw new InvalidOperationException(error); // validated at start-up; kept for a clear message if not
        }

        foreach (var task in enqueuer.Tasks)
        {
            if (!registry.TryGet(task.Task, out _))
            {
                LogNotRegistered(logger, settings.Name, task.Task);
            }
        }

        var next = schedule!.NextAfter(time.GetUtcNow());
        while (next is { } due && !stoppingToken.IsCancellationRequested)
        {
            LogNext(logger, settings.Name, due);
            if (!await DelayUntilAsync(due, stoppingToken).ConfigureAwait(false))
            {
                return;
            }
            var following = schedule.NextAfter(due);
            while (true)
            {
                try
                {
                    await enqueuer.EnqueueOccurrenceAsync(due, stoppingToken).ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogEnqueueFailed(logger, ex, settings.Name, due);
                    if (following is { } f && time.GetUtcNow() + RetryInterval >= f)
                    {
                        break; // give up on this occurrence; the next one is due
                    }
                    if (!await DelayUntilAsync(time.GetUtcNow() + RetryInterval, stoppingToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            next = following;
        }
    }

    private async Task<bool> DelayUntilAsync(DateTimeOffset due, CancellationToken stoppingToken)
    {
        var wait = due - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return true;
        }
        try
        {
            await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(1301, LogLevel.Information, "Schedule {Schedule}: next occurrence at {Due:o}")]
    private static partial void LogNext(ILogger logger, string schedule, DateTimeOffset due);

    [LoggerMessage(1302, LogLevel.Error, "Schedule {Schedule}: enqueuing the occurrence at {Due:o} failed; trying again in 30 s")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string schedule, DateTimeOffset due);

    [LoggerMessage(1304, LogLevel.Warning, "Schedule {Schedule} enqueues {TaskName}, which no handler here is registered for: unless another worker runs it, it will fail as unknown")]
    private static partial void LogNotRegistered(ILogger logger, string schedule, string taskName);

    [LoggerMessage(1303, LogLevel.Information, "The local schedule is off (TaskProcessor:Schedule:Enabled is false)")]
    private static partial void LogDisabled(ILogger logger);
}
