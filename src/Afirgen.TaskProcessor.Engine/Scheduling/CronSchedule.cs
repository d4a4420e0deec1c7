using Cronos;

namespace Afirgen.TaskProcessor.Engine.Scheduling;

/// <summary>A parsed cron expression in a time zone: when it fires next.</summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        _zone = zone;
    }

    /// <summary>
    /// Parses six-field NCRONTAB (with seconds, as Azure Functions timers take) or five-field cron, or
    /// returns <see langword="false"/> with a sentence saying what is wrong.
    /// </summary>
    public static bool TryParse(string? cron, string? timeZone, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        var fields = (cron ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            error = $"The schedule '{cron}' must have six fields (second minute hour day month day-of-week, e.g. '0 0 2 * * *') or five (without seconds).";
            return false;
        }
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"The time zone '{timeZone}' is not known on this machine; use an IANA id such as 'UTC' or 'Asia/Kolkata'.";
            return false;
        }
        try
        {
            var expression = CronExpression.Parse(string.Join(' ', fields), fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            schedule = new CronSchedule(expression, zone);
            return true;
        }
        catch (CronFormatException ex)
        {
            error = $"The schedule '{cron}' is not a valid cron expression: {ex.Message}";
            return false;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after, _zone, inclusive: false);

    /// <summary>
    /// The last occurrence at or before <paramref name="at"/>, looking back at most
    /// <paramref name="lookBack"/>; null when there is none in that span.
    /// </summary>
    public DateTimeOffset? LatestAtOrBefore(DateTimeOffset at, TimeSpan lookBack)
    {
        // Cronos only counts forwards: search windows ending at 'at', widening from a minute, so a frequent
        // schedule enumerates few occurrences and a rare one few empty windows.
        DateTimeOffset? latest = null;
        for (var span = TimeSpan.FromMinutes(1); latest is null; span *= 4)
        {
            var window = span < lookBack ? span : lookBack;
            foreach (var occurrence in _expression.GetOccurrences(at - window, at, _zone, fromInclusive: true, toInclusive: true))
            {
                latest = occurrence;
            }
            if (window == lookBack)
            {
                break;
            }
        }
        return latest;
    }
}
