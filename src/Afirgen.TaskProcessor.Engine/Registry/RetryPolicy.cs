namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>
/// When and how soon a failed task is tried again: exponential back-off from <see cref="InitialDelay"/>,
/// multiplied by <see cref="Multiplier"/> per retry, capped at <see cref="MaxDelay"/>, with ±<see cref="JitterRatio"/>
/// random jitter so retries of many tasks do not arrive together.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Retries after the first attempt (Celery's <c>max_retries</c>).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The delay before the first retry.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The factor each further retry's delay grows by.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>No retry waits longer than this (Celery's <c>retry_backoff_max</c>).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Jitter as a fraction of the delay: 0.2 spreads a 10 s delay over 8–12 s.</summary>
    public double JitterRatio { get; init; } = 0.2;

    /// <summary>
    /// Which exceptions are retried (Celery's <c>autoretry_for</c> / <c>dont_autoretry_for</c>). The default
    /// retries everything but <see cref="PermanentTaskException"/> and its kind.
    /// </summary>
    public Func<Exception, bool> ShouldRetry { get; init; } = static ex => ex is not PermanentTaskException;

    /// <summary>
    /// The delay before retry number <paramref name="retryNumber"/> (1 for the first retry), or
    /// <paramref name="requested"/> when the task asked for a specific countdown.
    /// </summary>
    public TimeSpan DelayFor(int retryNumber, Random random, TimeSpan? requested = null)
    {
        var baseSeconds = requested?.TotalSeconds
            ?? Math.Min(InitialDelay.TotalSeconds * Math.Pow(Multiplier, Math.Max(0, retryNumber - 1)), MaxDelay.TotalSeconds);
        double jitter;
        lock (random)
        {
            jitter = (random.NextDouble() * 2 - 1) * JitterRatio;
        }
        var seconds = Math.Max(0, baseSeconds * (1 + jitter));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds * (1 + JitterRatio)));
    }
}
