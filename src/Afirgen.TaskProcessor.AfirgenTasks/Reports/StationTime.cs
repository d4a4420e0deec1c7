using System.Globalization;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Times as the police station reads them: converted to its zone (<see cref="ReportOptions.TimeZone"/>) and
/// written Indian style, day first (<c>05/03/2026</c>, <c>14:05</c>), with the zone named (<c>IST</c>).
/// </summary>
public sealed class StationTime
{
    private readonly TimeZoneInfo _zone;
    private readonly string? _label;

    private StationTime(TimeZoneInfo zone, string? label)
    {
        _zone = zone;
        _label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
    }

    public const string DefaultZone = "Asia/Kolkata";

    /// <summary>India Standard Time, the default.</summary>
    public static StationTime India { get; } = Create(new ReportOptions());

    /// <summary>The zone <paramref name="options"/> name (an empty setting meaning the default, India's); false when this machine does not know it.</summary>
    public static bool TryCreate(ReportOptions options, out StationTime? time)
    {
        var id = string.IsNullOrWhiteSpace(options.TimeZone) ? DefaultZone : options.TimeZone.Trim();
        time = TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? new StationTime(zone, options.TimeZoneLabel) : null;
        return time is not null;
    }

    /// <summary>For options already checked at start-up by <see cref="ReportOptionsValidator"/>.</summary>
    public static StationTime Create(ReportOptions options) =>
        TryCreate(options, out var time) ? time! : throw new InvalidOperationException($"{ReportOptions.Section}:TimeZone '{options.TimeZone}' is not a time zone this machine knows.");

    /// <summary>The station's wall-clock time at <paramref name="instant"/>.</summary>
    public DateTime Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, _zone).DateTime;

    /// <summary>
    /// The zone's name at <paramref name="instant"/>: the configured label, else the zone's abbreviation from
    /// the time zone data (IST, CET/CEST), else its offset (UTC+05:30). With invariant globalization, as this
    /// project builds, .NET reports the tz database's abbreviations as the zone's names.
    /// </summary>
    public string Label(DateTimeOffset instant)
    {
        if (_label is not null) return _label;
        var name = _zone.IsDaylightSavingTime(instant) ? _zone.DaylightName : _zone.StandardName;
        if (name.Length is >= 2 and <= 6 && name.All(char.IsAsciiLetterUpper)) return name;
        var offset = _zone.GetUtcOffset(instant);
        return offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? "-" : "+")}{offset:hh\\:mm}";
    }

    public string Date(DateTimeOffset instant) => Local(instant).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    public string Time(DateTimeOffset instant) => $"{Local(instant).ToString("HH:mm", CultureInfo.InvariantCulture)} {Label(instant)}";

    public string DateAndTime(DateTimeOffset instant) => $"{Date(instant)} {Time(instant)}";
}
