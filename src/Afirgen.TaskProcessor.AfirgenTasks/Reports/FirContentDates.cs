using System.Globalization;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Dates as fir_content writes them: ISO (<c>2026-03-05</c>) or with the month's name (<c>05 March 2026</c>,
/// AFIRGen's). Numeric day/month forms (<c>03/05/2026</c>) are not read: whether they are day or month first
/// cannot be told, so they are shown as written.
/// </summary>
internal static class FirContentDates
{
    private static readonly string[] Formats = ["yyyy-MM-dd", "d MMMM yyyy", "d MMM yyyy", "MMMM d, yyyy", "MMM d, yyyy", "d-MMM-yyyy", "d MMMM, yyyy"];

    public static DateOnly? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var value = text.Trim();
        // An ISO date with a time after it: the date part.
        if (value.Length > 10 && value[10] is 'T' or ' ' && value[4] == '-') value = value[..10];
        return DateOnly.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var date) ? date : null;
    }
}
