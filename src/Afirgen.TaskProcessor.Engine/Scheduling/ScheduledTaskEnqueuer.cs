using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>
/// Enqueues the schedule's tasks for one occurrence. Both hosts call it: the local host's
/// <see cref="ScheduleService"/> and the Functions app's timer function. Task ids are derived from the
/// occurrence, so firing twice for one occurrence enqueues each task once.
/// </summary>
public sealed partial class ScheduledTaskEnqueuer(TaskPublisher publisher, IOptions<ScheduleOptions> options, ILogger<ScheduledTaskEnqueuer> logger)
{
    /// <summary>The tasks the schedule enqueues (the configured ones, or the defaults).</summary>
    public IReadOnlyList<ScheduledTaskOptions> Tasks => options.Value.EffectiveTasks;

    /// <summary>
    /// For hosts whose own timer fires the schedule (the Functions app's timer trigger): enqueues the
    /// occurrence the firing at <paramref name="firedAt"/> stands for, the latest one of
    /// <see cref="ScheduleOptions.Cron"/> at or before it. Taking the occurrence from the schedule, not the
    /// clock, keeps the task ids equal when the timer fires late, twice, or on two instances.
    /// </summary>
    /// <returns>The enqueued tasks; empty when the schedule has no occurrence in the year before <paramref name="firedAt"/>.</returns>
    public Task<IReadOnlyList<PublishedTask>> EnqueueFiredAsync(DateTimeOffset firedAt, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!CronSchedule.TryParse(settings.Cron, settings.TimeZone, out var schedule, out var error))
        {
            var where = settings.CronSetting is { Length: > 0 } setting ? $"{setting} (or {ScheduleOptions.Section}:Cron)" : $"{ScheduleOptions.Section}:Cron";
            throw new InvalidOperationException($"{error} Set {where} to a valid schedule.");
        }
        // A timer may fire a little before its occurrence by this process's clock.
        var occurrence = schedule!.LatestAtOrBefore(firedAt + FiringTolerance, TimeSpan.FromDays(366));
        if (occurrence is null)
        {
            LogNoOccurrence(logger, options.Value.Name, firedAt);
            return Task.FromResult<IReadOnlyList<PublishedTask>>([]);
        }
        return EnqueueOccurrenceAsync(occurrence.Value, cancellationToken);
    }

    /// <summary>How far ahead of its occurrence a timer's firing is still taken as that occurrence.</summary>
    public static TimeSpan FiringTolerance { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Enqueues every scheduled task for <paramref name="occurrence"/> (the time the schedule was due).</summary>
    public async Task<IReadOnlyList<PublishedTask>> EnqueueOccurrenceAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var published = await EnqueueAsync(task => MessageIds.ForScheduledOccurrence(options.Value.Name, task, occurrence), cancellationToken).ConfigureAwait(false);
        LogEnqueued(logger, options.Value.Name, occurrence, published.Count);
        return published;
    }

    /// <summary>
    /// "Run now" (Hangfire's trigger): the schedule's tasks, with the kwargs and priorities an occurrence sends, each
    /// under a new id, since a run asked for is not an occurrence and must not be dropped as one already sent.
    /// </summary>
    public async Task<IReadOnlyList<PublishedTask>> EnqueueNowAsync(CancellationToken cancellationToken)
    {
        var published = await EnqueueAsync(_ => null, cancellationToken).ConfigureAwait(false);
        LogRunNow(logger, options.Value.Name, published.Count);
        return published;
    }

    private async Task<IReadOnlyList<PublishedTask>> EnqueueAsync(Func<string, string?> taskIdOf, CancellationToken cancellationToken)
    {
        var published = new List<PublishedTask>();
        foreach (var task in Tasks)
        {
            var kwargs = new JsonObject();
            foreach (var (name, value) in task.Kwargs)
            {
                kwargs[name] = ParseValue(value);
            }
            published.Add(await publisher.PublishAsync(new TaskRequest
            {
                TaskName = task.Task,
                TaskId = taskIdOf(task.Task),
                Kwargs = kwargs,
                Priority = task.Priority,
            }, cancellationToken).ConfigureAwait(false));
        }
        return published;
    }

    private static JsonNode? ParseValue(string value)
    {
        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            return JsonValue.Create(value);
        }
    }

    [LoggerMessage(1305, LogLevel.Warning, "Schedule {Schedule} fired at {FiredAt:o} but has no occurrence in the year before; nothing was enqueued")]
    private static partial void LogNoOccurrence(ILogger logger, string schedule, DateTimeOffset firedAt);

    [LoggerMessage(1306, LogLevel.Information, "Schedule {Schedule}: enqueued {Count} tasks now, as asked (run now)")]
    private static partial void LogRunNow(ILogger logger, string schedule, int count);

    [LoggerMessage(1300, LogLevel.Information, "Schedule {Schedule}: enqueued {Count} tasks for the occurrence at {Occurrence:o}")]
    private static partial void LogEnqueued(ILogger logger, string schedule, DateTimeOffset occurrence, int count);
}
