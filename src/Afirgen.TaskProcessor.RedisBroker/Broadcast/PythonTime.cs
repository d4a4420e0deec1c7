using System.Globalization;

namespace Afirgen.TaskProcessor.RedisBroker.Broadcast;

/// <summary>Times as Celery writes them in events and remote control replies.</summary>
internal static class PythonTime
{
    /// <summary>Unix time in seconds with fractions (Python's <c>time.time()</c>).</summary>
    public static double Timestamp(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary><c>datetime.isoformat()</c> of an aware UTC time: <c>2026-12-02T17:28:39.122232+00:00</c>.</summary>
    public static string IsoFormat(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00:00";

    /// <summary>
    /// Celery's <c>utcoffset()</c>, which every event carries and receivers use to correct its timestamp: the local zone's
    /// offset west of UTC in whole hours, floored (Python's <c>time.altzone // 3600</c> in a zone with summer time, else
    /// <c>time.timezone // 3600</c>); 0 in UTC.
    /// </summary>
    public static int UtcOffset()
    {
        var zone = TimeZoneInfo.Local;
        var westSeconds = -(long)zone.BaseUtcOffset.TotalSeconds;
        if (zone.SupportsDaylightSavingTime)
        {
            westSeconds -= 3600;
        }
        return (int)Math.Floor(westSeconds / 3600.0);
    }
}
