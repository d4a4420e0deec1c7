using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.Connection;

/// <summary>
/// Checks the Redis transport's own settings: a Redis URL, kombu's priority steps, and positive timeouts. The queue
/// settings are the engine's to check (and reading them here would wait on this very check: their lock duration is
/// post-configured from these options).
/// </summary>
public sealed class RedisBrokerOptionsValidator : IValidateOptions<RedisBrokerOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisBrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        if (UrlProblem(options.Url) is { } urlProblem)
        {
            result.AddError(urlProblem);
        }
        if (!RiseFromZero(options.PrioritySteps))
        {
            result.AddError($"{RedisBrokerOptions.Section}:PrioritySteps must rise from 0 within 0–9, as kombu's priority_steps do (its default: 0, 3, 6, 9).");
        }
        if (options.VisibilityTimeout < TimeSpan.FromSeconds(5))
        {
            result.AddError($"{RedisBrokerOptions.Section}:VisibilityTimeout is our workers' lease on the messages they hold and must be at least 5 seconds (default 30 s); it is renewed while they hold them.");
        }
        if (options.CeleryVisibilityTimeout <= TimeSpan.Zero)
        {
            result.AddError($"{RedisBrokerOptions.Section}:CeleryVisibilityTimeout must be positive; set it to the Celery workers' visibility_timeout (kombu's default: 1 hour).");
        }
        if (options.RestoreInterval <= TimeSpan.Zero || options.MaxPollInterval <= TimeSpan.Zero || options.UnackedMutexExpire <= TimeSpan.Zero)
        {
            result.AddError($"{RedisBrokerOptions.Section}: RestoreInterval, MaxPollInterval and UnackedMutexExpire must be positive.");
        }
        if (options.RestoreLimit < 1)
        {
            result.AddError($"{RedisBrokerOptions.Section}:RestoreLimit must be 1 or more.");
        }
        return result.Build();
    }

    private static string? UrlProblem(string? url)
    {
        try
        {
            RedisBrokerUrl.Parse(url);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message; // the URL parser says what is wrong with it in a sentence
        }
    }

    private static bool RiseFromZero(int[] steps)
    {
        if (steps.Length == 0 || steps[0] != 0)
        {
            return false;
        }
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] is < 0 or > 9 || (i > 0 && steps[i - 1] >= steps[i]))
            {
                return false;
            }
        }
        return true;
    }
}
