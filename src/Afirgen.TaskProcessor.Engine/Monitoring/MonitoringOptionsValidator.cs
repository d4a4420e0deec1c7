using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Monitoring;

/// <summary>Checks the monitoring intervals: positive, and a heartbeat that expires after the next one is due.</summary>
internal sealed class MonitoringOptionsValidator : IValidateOptions<MonitoringOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.HeartbeatInterval <= TimeSpan.Zero || options.FlushInterval <= TimeSpan.Zero)
        {
            result.AddError("Monitoring intervals must be positive (TaskProcessor:Monitoring:HeartbeatInterval, FlushInterval).");
        }
        if (options.HeartbeatExpiry <= options.HeartbeatInterval)
        {
            result.AddError("The heartbeat expiry must be longer than the heartbeat interval (TaskProcessor:Monitoring:HeartbeatExpiry > HeartbeatInterval).");
        }
        return result.Build();
    }
}
