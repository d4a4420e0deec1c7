using System.Reflection;
using Afirgen.TaskProcessor.Api.Inspect;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Dashboard;

/// <summary>
/// The dashboard: its static files (embedded in this assembly, no CDN, no build step) served at <c>/</c>,
/// and the two reads it needs beyond inspect, Flower's API and dead letters: an overview and throughput.
/// </summary>
public sealed class DashboardApi(InspectApi inspect, MonitoringReader monitoring, TimeProvider time)
{
    private const string ResourcePrefix = "Afirgen.TaskProcessor.Api.Dashboard.wwwroot.";
    private static readonly Assembly Assembly = typeof(DashboardApi).Assembly;
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>
    /// <c>GET /</c> and <c>GET /dashboard/{file}</c>: a file of the dashboard; 404 for any other. The files hold no
    /// data (the page reads everything from the API), so a host may serve them without a key.
    /// </summary>
    public static IResult Asset(string? path)
    {
        var file = string.IsNullOrEmpty(path) ? "index.html" : path;
        var extension = Path.GetExtension(file);
        if (file.Contains("..", StringComparison.Ordinal) || !ContentTypes.TryGetValue(extension, out var contentType))
        {
            return Results.NotFound();
        }
        var stream = Assembly.GetManifestResourceStream(ResourcePrefix + file.Replace('/', '.'));
        return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
    }

    /// <summary><c>GET /api/monitor/overview</c>: queues with consumers, live workers with their tasks, lost tasks.</summary>
    public async Task<IResult> OverviewAsync(CancellationToken cancellationToken)
    {
        try
        {
            var view = await monitoring.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
            var queues = await inspect.ActiveQueuesAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            return Results.Ok(new
            {
                now,
                queues,
                workers = view.Alive.Select(w => new
                {
                    name = w.Name,
                    hostname = w.Hostname,
                    pid = w.ProcessId,
                    version = w.Version,
                    startedAt = w.StartedAt,
                    heartbeatAt = w.HeartbeatAt,
                    queues = w.Queues,
                    concurrency = w.Concurrency,
                    prefetchCount = w.PrefetchCount,
                    active = w.Active.Select(t => ActiveTaskView.From(t, "active", null)),
                    reserved = w.Reserved.Count,
                    succeeded = w.Counters.Values.Sum(c => c.Succeeded),
                    failed = w.Counters.Values.Sum(c => c.Failed),
                    retried = w.Counters.Values.Sum(c => c.Retried),
                    received = w.Counters.Values.Sum(c => c.Received),
                }),
                lost = view.Lost.Select(l => new { worker = l.Worker, task = ActiveTaskView.From(l.Task, ActiveTaskView.LostState, l.RedeliveryBy) }),
            });
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    /// <summary><c>GET /api/monitor/task-counts</c>: how many indexed tasks are in each state, and all together (the task tabs).</summary>
    public async Task<IResult> TaskCountsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var counts = await monitoring.Store.CountTasksByStateAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { states = counts, total = counts.Values.Sum() });
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }

    /// <summary><c>GET /api/monitor/throughput?minutes=15</c>: finished tasks per 10 seconds, every instance together.</summary>
    public async Task<IResult> ThroughputAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var minutes = 15;
        var text = request.Query["minutes"].ToString();
        if (text.Length > 0 && !(int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out minutes) && minutes is >= 1 and <= 60))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid minutes", $"minutes must be a whole number from 1 to 60 (the default is 15); got '{text}'.");
        }
        try
        {
            var buckets = await monitoring.Store.GetThroughputAsync(time.GetUtcNow() - TimeSpan.FromMinutes(minutes), cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { bucketSeconds = ThroughputBucket.Width.TotalSeconds, buckets });
        }
        catch (ResultStoreUnavailableException ex)
        {
            return ApiProblems.Unavailable(ex);
        }
    }
}
