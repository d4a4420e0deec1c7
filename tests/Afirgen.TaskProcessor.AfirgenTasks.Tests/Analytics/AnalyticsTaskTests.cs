using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Analytics;

/// <summary>The analytics tasks: counts from MariaDB, snapshots read back from the real Redis.</summary>
[Collection(AfirgenServersCollectionDefinition.Name)]
public sealed class AnalyticsTaskTests(AfirgenServers servers) : IAsyncLifetime
{
    private TaskHarness _h = null!;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly List<DateTimeOffset> _created = [];

    public async Task InitializeAsync()
    {
        var db = await servers.MariaDb.CreateDatabaseAsync("analytics_tasks");
        await FirRecordsSchema.CreateAsync(db);
        async Task AddAsync(string fir, string status, DateTimeOffset created, DateTimeOffset? finalized = null)
        {
            _created.Add(created);
            await FirRecordsSchema.InsertAsync(db, fir, status, created, finalized);
        }
        await AddAsync("FIR-A-1", "pending", _now.AddMinutes(-1));
        await AddAsync("FIR-A-2", "pending", _now.AddDays(-3));
        await AddAsync("FIR-A-3", "pending", _now.AddDays(-20));
        await AddAsync("FIR-A-4", "finalized", _now.AddDays(-10), _now.AddDays(-9));
        await AddAsync("FIR-A-5", "finalized", _now.AddDays(-100), _now.AddDays(-99));
        await AddAsync("FIR-A-6", "draft", _now.AddDays(-2));
        await AddAsync("FIR-A-7", "pending", new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        await AddAsync("FIR-A-8", "finalized", new DateTimeOffset(2026, 3, 10, 18, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 12, 8, 0, 0, TimeSpan.Zero));
        await AddAsync("FIR-A-9", "finalized", new DateTimeOffset(2026, 3, 11, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 12, 9, 0, 0, TimeSpan.Zero));
        _h = TaskHarness.Create(servers, "analytics", db, cacheDatabase: 3);
        await _h.FlushCacheAsync(servers);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task UpdateDashboard_WritesTheCountsToTheDashboardSnapshot_WithATtl()
    {
        var result = Results.Success(await _h.RunAsync(AfirgenTaskNames.UpdateDashboard));

        Assert.Equal(["status", "message", "metrics_updated"], result.Select(p => p.Key));
        Assert.Contains("total_firs", result["metrics_updated"]!.AsArray().Select(n => (string?)n));

        var snapshot = JsonNode.Parse((string)(await _h.Cache.StringGetAsync("analytics:dashboard:current"))!)!;
        Assert.Equal(9, (int)snapshot["total_firs"]!);
        Assert.Equal(4, (int)snapshot["pending_firs"]!);
        Assert.Equal(4, (int)snapshot["completed_firs"]!);
        Assert.Equal(1, (int)snapshot["firs_by_status"]!["draft"]!);
        var midnight = new DateTimeOffset(_h.Time.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        Assert.Equal(_created.Count(c => c >= midnight), (int)snapshot["created_today"]!);
        Assert.Equal(_created.Count(c => c >= _h.Time.GetUtcNow().AddDays(-7)), (int)snapshot["created_this_week"]!);
        Assert.Equal(_created.Count(c => c >= _h.Time.GetUtcNow().AddDays(-30)), (int)snapshot["created_this_month"]!);
        var ttl = await _h.Cache.KeyTimeToLiveAsync("analytics:dashboard:current");
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(1.9), TimeSpan.FromDays(2));
    }

    [Fact]
    public async Task UpdateDashboard_RunAgain_ReplacesTheOneSnapshot()
    {
        var first = await _h.RunAsync(AfirgenTaskNames.UpdateDashboard);
        _h.Time.Advance(TimeSpan.FromMinutes(5));
        Results.Success(await _h.RunAgainAfterCrashAsync(AfirgenTaskNames.UpdateDashboard, null, first.TaskId));

        var keys = await servers.RedisConnection.GetServer(servers.RedisConnection.GetEndPoints()[0]).KeysAsync(_h.CacheDatabase, "analytics:*").ToListAsync();
        Assert.Single(keys);
        var snapshot = JsonNode.Parse((string)(await _h.Cache.StringGetAsync("analytics:dashboard:current"))!)!;
        Assert.Equal(_h.Time.GetUtcNow().ToString("O"), (string?)snapshot["updated_at"]);
        Assert.Equal(9, (int)snapshot["total_firs"]!);
    }

    [Fact]
    public async Task ProcessData_AggregatesPerDayAndStatus_AndStoresTheTrend()
    {
        var range = new JsonObject { ["start_date"] = "2026-03-10", ["end_date"] = "2026-03-12" };
        var result = Results.Success(await _h.RunAsync(AfirgenTaskNames.ProcessData, new JsonObject { ["data_type"] = "fir_created", ["date_range"] = range }));

        Assert.Equal(["status", "message", "data_type", "date_range", "records_processed"], result.Select(p => p.Key));
        Assert.Equal(3, (int)result["records_processed"]!);
        Assert.Equal("2026-03-10", (string?)result["date_range"]!["start_date"]);

        var trend = JsonNode.Parse((string)(await _h.Cache.StringGetAsync("analytics:trends:fir_created:2026-03-10_2026-03-12"))!)!;
        var days = trend["days"]!.AsArray();
        Assert.Equal(["2026-03-10", "2026-03-11"], days.Select(d => (string?)d!["date"]));
        Assert.Equal(2, (int)days[0]!["total"]!);
        Assert.Equal(1, (int)days[0]!["by_status"]!["pending"]!);

        var finalized = Results.Success(await _h.RunAsync(AfirgenTaskNames.ProcessData,
            new JsonObject { ["data_type"] = "fir_finalized", ["date_range"] = new JsonObject { ["start_date"] = "2026-03-12T00:00:00Z", ["end_date"] = "2026-03-12" } }));
        Assert.Equal(2, (int)finalized["records_processed"]!);
    }

    [Theory]
    [InlineData("fir_weather", "{\"start_date\": \"2026-03-10\", \"end_date\": \"2026-03-12\"}", "data_type 'fir_weather' is not known")]
    [InlineData("fir_created", "{\"start_date\": \"2026-03-12\", \"end_date\": \"2026-03-10\"}", "ends (2026-03-10) before it starts (2026-03-12)")]
    [InlineData("fir_created", "{\"end_date\": \"2026-03-10\"}", "date_range.start_date is missing")]
    [InlineData("fir_created", "{\"start_date\": \"last tuesday\", \"end_date\": \"2026-03-10\"}", "is not a date")]
    public async Task ProcessData_WithBadInput_FailsAtOnce(string dataType, string range, string expected)
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.ProcessData, new JsonObject { ["data_type"] = dataType, ["date_range"] = JsonNode.Parse(range) });

        Assert.Contains(expected, Results.Failure(meta));
        Assert.Equal(0, (await _h.Broker.GetStatisticsAsync(["analytics"], CancellationToken.None))[0].Scheduled);
    }
}
