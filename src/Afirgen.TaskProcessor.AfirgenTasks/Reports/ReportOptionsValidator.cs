using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>Checks <see cref="ReportOptions"/> at start-up: a zone this machine does not know stops the host, naming the key.</summary>
internal sealed class ReportOptionsValidator : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
    {
        var errors = new List<string>();
        if (!StationTime.TryCreate(options, out _))
        {
            errors.Add($"{ReportOptions.Section}:TimeZone '{options.TimeZone}' is not a time zone this machine knows: use an IANA id such as Asia/Kolkata (the default) or Asia/Dhaka; "
                + "if the id is right, the host lacks time zone data (Debian: apt-get install tzdata).");
        }
        if (options.TimeZoneLabel is { } label && (label.Length > 16 || label.Any(char.IsControl)))
        {
            errors.Add($"{ReportOptions.Section}:TimeZoneLabel must be a short name such as IST (at most 16 characters), or empty for the zone's own abbreviation.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
