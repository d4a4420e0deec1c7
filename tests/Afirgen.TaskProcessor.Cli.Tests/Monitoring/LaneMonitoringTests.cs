using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// Priority lanes in monitoring and dead-letter handling, on the real HTTP API, with the broker's statistics and
/// dead-letter ports replaced by test implementations that count and keep lanes the way Service Bus's adapters do
/// (a queue's name covers every lane, a lane's queue name only that lane), since Service Bus cannot run here.
/// </summary>
public sealed class LaneMonitoringTests : IAsyncLifetime
{
    private static readonly string[] FirstHighMessage = ["m-high-1"];
    private readonly LanedStatistics _statistics = new();
    private readonly LanedDeadLetters _deadLetters = new();
    private RedisServer _redis = null!;
    private WebApplication _laned = null!;
    private WebApplication _plain = null!;
    private HttpClient _http = null!;
    private HttpClient _plainHttp = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        (_laned, _http) = await StartAsync("laned@lanes", laned: true);
        (_plain, _plainHttp) = await StartAsync("plain@lanes", laned: false);
    }

    private async Task<(WebApplication, HttpClient)> StartAsync(string name, bool laned)
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var app = LocalHostApp.Build(TwoWorkersFixture.Settings(name, url, _redis.Configuration), builder =>
        {
            builder.Services.AddSingleton<IQueueStatisticsSource>(_statistics);
            builder.Services.AddSingleton<IDeadLetterStore>(_deadLetters);
            if (laned)
            {
                builder.Services.AddSingleton<LanedBroker>();
            }
        });
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(url) });
    }

    public async Task DisposeAsync()
    {
        foreach (var (app, http) in new[] { (_laned, _http), (_plain, _plainHttp) })
        {
            http?.Dispose();
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        await _redis.DisposeAsync();
    }

    private void SeedReports()
    {
        _statistics.Set("reports", waiting: 5, scheduled: 1, deadLettered: 2);
        _statistics.Set("reports-high", waiting: 3, scheduled: 0, deadLettered: 1);
    }

    [Fact]
    public async Task Queues_ListEachLaneUnderItsQueue_AndKeepTheTotals()
    {
        SeedReports();
        var reports = (await _http.GetFromJsonAsync<JsonArray>("/api/queues"))!.Single(q => q!["name"]!.GetValue<string>() == "reports")!;
        Assert.Equal(8, reports["waiting"]!.GetValue<long>());
        Assert.Equal(3, reports["deadLettered"]!.GetValue<long>());
        var lanes = reports["lanes"]!.AsArray();
        Assert.Equal(["reports-high", "reports"], lanes.Select(l => l!["name"]!.GetValue<string>()));
        Assert.Equal(["high", "base"], lanes.Select(l => l!["lane"]!.GetValue<string>()));
        Assert.Equal([7, 1], lanes.Select(l => l!["minPriority"]!.GetValue<int>()));
        Assert.Equal([10, 6], lanes.Select(l => l!["maxPriority"]!.GetValue<int>()));
        Assert.Equal([3L, 5L], lanes.Select(l => l!["waiting"]!.GetValue<long>()));
        Assert.Equal([0L, 1L], lanes.Select(l => l!["scheduled"]!.GetValue<long>()));
        Assert.Equal([1L, 2L], lanes.Select(l => l!["deadLettered"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Queues_HaveNoLanes_OnABrokerWithoutThem()
    {
        SeedReports();
        var reports = (await _plainHttp.GetFromJsonAsync<JsonArray>("/api/queues"))!.Single(q => q!["name"]!.GetValue<string>() == "reports")!;
        Assert.Equal(8, reports["waiting"]!.GetValue<long>());
        Assert.Empty(reports["lanes"]!.AsArray());
    }

    [Fact]
    public async Task InspectActiveQueues_ListsLanesUnderTheirQueue()
    {
        SeedReports();
        var reports = (await _http.GetFromJsonAsync<JsonArray>("/api/inspect/active_queues"))!.Single(q => q!["name"]!.GetValue<string>() == "reports")!;
        Assert.Equal(8, reports["waiting"]!.GetValue<long>());
        Assert.Equal([3L, 5L], reports["lanes"]!.AsArray().Select(l => l!["waiting"]!.GetValue<long>()));
        var plain = (await _plainHttp.GetFromJsonAsync<JsonArray>("/api/inspect/active_queues"))!.Single(q => q!["name"]!.GetValue<string>() == "reports")!;
        Assert.Empty(plain["lanes"]!.AsArray());
    }

    [Fact]
    public async Task InspectCommand_PrintsEachLane_IndentedUnderItsQueue()
    {
        SeedReports();
        var output = new StringWriter();
        Commands.InspectCommand.PrintQueues((await _http.GetFromJsonAsync<JsonNode>("/api/inspect/active_queues"))!, output);
        var lines = output.ToString().Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith("reports ", StringComparison.Ordinal));
        Assert.True(at >= 0, output.ToString());
        Assert.StartsWith("  reports-high (high 7-10)", lines[at + 1], StringComparison.Ordinal);
        Assert.StartsWith("  reports (base 1-6)", lines[at + 2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlowerQueueLengths_AddEachLaneAfterItsQueue()
    {
        SeedReports();
        var names = (await _http.GetFromJsonAsync<JsonObject>("/api/queues/length"))!["active_queues"]!.AsArray()
            .Select(q => (q!["name"]!.GetValue<string>(), q["messages"]!.GetValue<long>())).ToList();
        var at = names.IndexOf(("reports", 8));
        Assert.True(at >= 0, string.Join(", ", names));
        Assert.Equal(("reports-high", 3L), names[at + 1]);
        Assert.Contains(("email-high", 0L), names);
        var plain = (await _plainHttp.GetFromJsonAsync<JsonObject>("/api/queues/length"))!["active_queues"]!.AsArray();
        Assert.DoesNotContain(plain, q => q!["name"]!.GetValue<string>().EndsWith("-high", StringComparison.Ordinal));
    }

    private void SeedDeadLetters()
    {
        _deadLetters.Clear();
        _deadLetters.Add("reports-high", "m-high-1", "t-high-1");
        _deadLetters.Add("reports-high", "m-high-2", "t-high-2");
        _deadLetters.Add("reports", "m-base-1", "t-base-1");
    }

    private static async Task<string[]> ListedAsync(HttpClient http, string query) =>
        (await http.GetFromJsonAsync<JsonArray>("/api/dead-letters?" + query))!.Select(d => d!["messageId"]!.GetValue<string>()).Order().ToArray();

    private static async Task<(int Status, JsonNode? Body)> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task DeadLetters_AreListedPerLane()
    {
        SeedDeadLetters();
        Assert.Equal(["m-base-1", "m-high-1", "m-high-2"], await ListedAsync(_http, "queue=reports"));
        Assert.Equal(["m-high-1", "m-high-2"], await ListedAsync(_http, "queue=reports-high"));
        Assert.Equal(["m-high-1", "m-high-2"], await ListedAsync(_http, "queue=reports&lane=high"));
        Assert.Equal(["m-base-1"], await ListedAsync(_http, "queue=reports&lane=base"));
    }

    [Fact]
    public async Task DeadLetters_ReplayAndPurgeOneLaneOnly()
    {
        SeedDeadLetters();
        var (status, body) = await PostAsync(_http, "/api/dead-letters/replay", new { queue = "reports-high", messageIds = FirstHighMessage });
        Assert.Equal(200, status);
        Assert.Equal(1, body!["replayed"]!.GetValue<int>());
        Assert.Equal(["m-base-1", "m-high-2"], _deadLetters.Ids);

        (status, body) = await PostAsync(_http, "/api/dead-letters/purge", new { queue = "reports", lane = "base", all = true });
        Assert.Equal(200, status);
        Assert.Equal(1, body!["purged"]!.GetValue<int>());
        Assert.Equal(["m-high-2"], _deadLetters.Ids);

        SeedDeadLetters();
        (status, body) = await PostAsync(_http, "/api/dead-letters/replay", new { queue = "reports", lane = "high" });
        Assert.Equal(200, status);
        Assert.Equal(2, body!["replayed"]!.GetValue<int>());
        Assert.Equal(["m-base-1"], _deadLetters.Ids);
    }

    [Fact]
    public async Task DeadLettersCommand_TakesALane()
    {
        SeedDeadLetters();
        var api = _http.BaseAddress!.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await InspectTests.ExecAsync("dead-letters", "list", "--queue", "reports", "--lane", "base", "--api", api);
        Assert.True(code == 0, stderr);
        Assert.Contains("m-base-1", stdout);
        Assert.DoesNotContain("m-high-1", stdout);

        (code, _, stderr) = await InspectTests.ExecAsync("dead-letters", "purge", "--queue", "reports", "--lane", "high", "--all", "--api", api);
        Assert.True(code == 0, stderr);
        Assert.Equal(["m-base-1"], _deadLetters.Ids);
    }

    [Fact]
    public async Task DeadLetters_RefuseALane_ThatIsNotThere_InASentence()
    {
        SeedDeadLetters();
        using var unknown = await _http.GetAsync("/api/dead-letters?queue=reports&lane=urgent");
        Assert.Equal(400, (int)unknown.StatusCode);
        Assert.Contains("Queue 'reports' has no lane 'urgent'; its lanes are high, base.", await unknown.Content.ReadAsStringAsync());

        using var plainLane = await _plainHttp.GetAsync("/api/dead-letters?queue=reports&lane=high");
        Assert.Equal(400, (int)plainLane.StatusCode);
        Assert.Contains("keeps no lanes", await plainLane.Content.ReadAsStringAsync());

        using var plainLaneQueue = await _plainHttp.GetAsync("/api/dead-letters?queue=reports-high");
        Assert.Equal(400, (int)plainLaneQueue.StatusCode);
        Assert.Contains("There is no queue named 'reports-high'", await plainLaneQueue.Content.ReadAsStringAsync());

        using var noQueue = await _http.GetAsync("/api/dead-letters?lane=high");
        Assert.Equal(400, (int)noQueue.StatusCode);
    }

    /// <summary>Counts like Service Bus's statistics adapter: a queue's name sums its lanes, a lane's names that lane.</summary>
    internal sealed class LanedStatistics : IQueueStatisticsSource
    {
        private readonly Dictionary<string, QueueStatistics> _byBrokerQueue = new(StringComparer.Ordinal);

        public void Set(string brokerQueue, long waiting, long scheduled, long deadLettered)
        {
            lock (_byBrokerQueue)
            {
                _byBrokerQueue[brokerQueue] = new QueueStatistics(brokerQueue, waiting, scheduled, 0, deadLettered);
            }
        }

        public Task<IReadOnlyList<QueueStatistics>> GetStatisticsAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
        {
            lock (_byBrokerQueue)
            {
                return Task.FromResult<IReadOnlyList<QueueStatistics>>(queues.Select(q =>
                {
                    var covered = _byBrokerQueue.Values.Where(s => s.Queue == q || (!q.Contains('-') && s.Queue.StartsWith(q + "-", StringComparison.Ordinal))).ToArray();
                    return new QueueStatistics(q, covered.Sum(s => s.Waiting), covered.Sum(s => s.Scheduled), 0, covered.Sum(s => s.DeadLettered));
                }).ToArray());
            }
        }
    }

    /// <summary>Keeps dead letters like Service Bus's dead-letter adapter: a queue's name covers its lanes, a lane's name that lane.</summary>
    internal sealed class LanedDeadLetters : IDeadLetterStore
    {
        private readonly List<DeadLetteredMessage> _letters = [];

        public string[] Ids
        {
            get { lock (_letters) { return [.. _letters.Select(l => l.MessageId).Order()]; } }
        }

        public void Clear()
        {
            lock (_letters) { _letters.Clear(); }
        }

        // A body the parser rejects, so a replay hands it back through the port rather than sending it.
        public void Add(string brokerQueue, string messageId, string taskId)
        {
            lock (_letters)
            {
                _letters.Add(new DeadLetteredMessage(brokerQueue, _letters.Count + 1, messageId, taskId, "afirgen_tasks.reports.generate_pdf", 8,
                    "not json"u8.ToArray(), DeadLetterReasons.TaskFailed, "failed", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
            }
        }

        private static bool Covers(string queue, DeadLetteredMessage m) =>
            m.Queue == queue || (!queue.Contains('-') && m.Queue.StartsWith(queue + "-", StringComparison.Ordinal));

        public Task<IReadOnlyList<DeadLetteredMessage>> GetDeadLettersAsync(string queue, int maxMessages, CancellationToken cancellationToken)
        {
            lock (_letters) { return Task.FromResult<IReadOnlyList<DeadLetteredMessage>>([.. _letters.Where(m => Covers(queue, m)).Take(maxMessages)]); }
        }

        public Task<int> ReplayDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken) =>
            PurgeDeadLettersAsync(queue, messageIds, cancellationToken);

        public Task<int> PurgeDeadLettersAsync(string queue, IReadOnlyCollection<string>? messageIds, CancellationToken cancellationToken)
        {
            lock (_letters)
            {
                return Task.FromResult(_letters.RemoveAll(m => Covers(queue, m) && (messageIds is null || messageIds.Contains(m.MessageId))));
            }
        }
    }
}
