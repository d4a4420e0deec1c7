using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Tests.Api;

/// <summary>The local host's Prometheus scrape endpoint shows the engine's metrics.</summary>
public sealed class MetricsEndpointTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Metrics_ShowRunsByTaskAndOutcome_AfterATaskRan()
    {
        using var response = await host.Http.PostAsJsonAsync("/api/tasks", new { name = "diagnostics.echo" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string metrics;
        do
        {
            await Task.Delay(100);
            metrics = await host.Http.GetStringAsync("/metrics");
        }
        while (!metrics.Contains("outcome=\"succeeded\"") && DateTime.UtcNow < deadline);

        Assert.Contains("afirgen_tasks_runs", metrics);
        Assert.Contains("celery_task_name=\"diagnostics.echo\"", metrics);
        Assert.Contains("outcome=\"succeeded\"", metrics);
        Assert.Contains("afirgen_tasks_queue_wait_seconds_bucket", metrics);
        Assert.Equal("SUCCESS", JsonNode.Parse(await host.Http.GetStringAsync($"/api/tasks/{id}"))!["state"]!.GetValue<string>());
    }
}
