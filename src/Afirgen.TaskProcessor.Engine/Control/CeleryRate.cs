using System.Globalization;

namespace Afirgen.TaskProcessor.Engine.Control;

/// <summary>
/// A rate limit as Celery writes it (<c>celery.utils.time.rate</c>): <c>"10/m"</c>, <c>"5/s"</c>, <c>"100/h"</c>,
/// a bare number of tasks per second, or nothing (no limit).
/// </summary>
public static class CeleryRate
{
    /// <summary>Tasks per second that <paramref name="rate"/> allows; 0 for none (no limit).</summary>
    /// <exception cref="FormatException">The count is not a number (Celery: <c>float()</c>'s ValueError).</exception>
    /// <exception cref="KeyNotFoundException">The unit is not <c>s</c>, <c>m</c> or <c>h</c> (Celery: a KeyError on its unit table).</exception>
    public static double PerSecond(string? rate)
    {
        if (string.IsNullOrWhiteSpace(rate))
        {
            return 0;
        }
        var slash = rate.IndexOf('/', StringComparison.Ordinal);
        var count = slash < 0 ? rate : rate[..slash];
        var unit = slash < 0 ? "" : rate[(slash + 1)..];
        // Celery looks the unit up before it reads the count: "x/q" is a KeyError for q.
        var divisor = unit switch
        {
            "" or "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => throw new KeyNotFoundException(unit),
        };
        if (!double.TryParse(count.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n) || double.IsInfinity(n))
        {
            throw new FormatException($"could not convert string to float: '{count}'");
        }
        var perSecond = n / divisor;
        return perSecond > 0 ? perSecond : 0;
    }
}
