using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace Afirgen.TaskProcessor.Cli.Tests.Monitoring;

/// <summary>
/// The dashboard in real headless Chromium (Debian's chromium and chromium-driver) against a running
/// local host: no console errors; a task enqueued from the page goes from queued to SUCCESS without a
/// reload (a same-origin POST, which the local host's cross-site check lets through); a dead-lettered task is
/// replayed from the page; a task's detail links its lineage; opened with
/// a function key (as in Azure) the page sends it with every API request; a screenshot of each main view is saved.
/// </summary>
public sealed class DashboardBrowserTests(TwoWorkersFixture workers, ITestOutputHelper output) : IClassFixture<TwoWorkersFixture>, IDisposable
{
    private readonly string _profile = Directory.CreateTempSubdirectory("afirgen-chromium-").FullName;
    private ChromeDriver? _driver;

    public static string ArtifactDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard");

    private ChromeDriver Start()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(FindBinary("chromedriver"))!, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = FindBinary("chromium") };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            $"--user-data-dir={_profile}", "--window-size=1280,900");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        return _driver;
    }

    [Fact]
    public async Task Dashboard_ShowsATaskGoingToSuccess_AndReplaysADeadLetter_WithoutConsoleErrors()
    {
        Directory.CreateDirectory(ArtifactDirectory);
        // A task that fails until shortly after, for the dead-letter view.
        var until = DateTimeOffset.UtcNow.AddSeconds(3);
        var failing = await workers.A.EnqueueAsync(new { name = "diagnostics.fail_until", kwargs = new { until = until.ToString("O") } });
        await workers.A.WaitForStateAsync(failing, "FAILURE");

        var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        // The page redraws its tables every second: an element found a moment ago may be gone; look again.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        await driver.Navigate().GoToUrlAsync(workers.A.BaseUrl + "/");

        // Overview: queues, both workers, the chart.
        wait.Until(d => d.FindElements(By.CssSelector("#queues-table tr[data-queue='email']")).Count == 1);
        wait.Until(d => d.FindElements(By.CssSelector($"#workers [data-worker='{workers.B.Name}']")).Count == 1);
        wait.Until(d => d.FindElements(By.CssSelector("#chart svg rect")).Count > 0);
        Screenshot(driver, "overview");

        // A marker that a reload would wipe out.
        ((IJavaScriptExecutor)driver).ExecuteScript("window.__noReload = 42;");

        // Tasks: enqueue from the form with a countdown, so it is seen queued first, then SUCCESS.
        Click(wait, By.Id("nav-tasks"));
        wait.Until(d => d.FindElements(By.CssSelector("#enqueue-name option[value='diagnostics.echo']")).Count == 1);
        Click(wait, By.CssSelector("#enqueue-name option[value='diagnostics.echo']"));
        var kwargs = driver.FindElement(By.Id("enqueue-kwargs"));
        kwargs.Clear();
        kwargs.SendKeys("{\"fir_id\": \"FIR-2026-0042\"}");
        driver.FindElement(By.Id("enqueue-countdown")).SendKeys("2");
        driver.FindElement(By.Id("enqueue-submit")).Click();
        var id = wait.Until(d => d.FindElement(By.Id("enqueue-result")).GetDomAttribute("data-task-id") is { Length: > 0 } v ? v : null)!;
        var row = $"#tasks-table tr[data-task-id='{id}'] td.state";
        wait.Until(d => d.FindElements(By.CssSelector(row)).FirstOrDefault()?.Text == "PENDING");
        Screenshot(driver, "tasks-queued");
        wait.Until(d => d.FindElements(By.CssSelector(row)).FirstOrDefault()?.Text == "SUCCESS");
        Assert.Equal(42L, ((IJavaScriptExecutor)driver).ExecuteScript("return window.__noReload;"));

        // Its detail: states with times and the result.
        Click(wait, By.CssSelector($"#tasks-table tr[data-task-id='{id}']"));
        wait.Until(d => d.FindElement(By.Id("detail-result")).Text.Contains("FIR-2026-0042", StringComparison.Ordinal));
        wait.Until(d => d.FindElement(By.Id("detail-fields")).Text.Contains("succeeded", StringComparison.Ordinal));
        Screenshot(driver, "task-detail");

        // Revoke: a task due in a minute is revoked from its row and shows REVOKED, never running.
        var later = await workers.A.EnqueueAsync(new { name = "diagnostics.echo", countdown = 60 });
        var laterRow = $"#tasks-table tr[data-task-id='{later}']";
        wait.Until(d => d.FindElements(By.CssSelector(laterRow + " td.state")).FirstOrDefault()?.Text == "PENDING");
        Click(wait, By.CssSelector(laterRow + " button.revoke"));
        wait.Until(d => d.FindElements(By.CssSelector(laterRow + " td.state")).FirstOrDefault()?.Text == "REVOKED");
        await workers.A.WaitForStateAsync(later, "REVOKED");

        // Dead letters: the failing task is there; once its cause is gone, replay it from the page.
        Click(wait, By.Id("nav-dead-letters"));
        var deadRow = $"#dead-letters-table tr[data-task-id='{failing}']";
        wait.Until(d => d.FindElements(By.CssSelector(deadRow)).Count == 1);
        wait.Until(d => d.FindElement(By.CssSelector(deadRow)).Text.Contains("TaskFailed", StringComparison.Ordinal));
        Screenshot(driver, "dead-letters");
        while (DateTimeOffset.UtcNow <= until) await Task.Delay(100);
        Click(wait, By.CssSelector(deadRow + " button.replay"));
        wait.Until(d => d.FindElement(By.Id("dl-result")).Text.StartsWith("Replayed 1", StringComparison.Ordinal));
        wait.Until(d => d.FindElements(By.CssSelector(deadRow)).Count == 0);
        await workers.A.WaitForStateAsync(failing, "SUCCESS");
        Assert.Equal(42L, ((IJavaScriptExecutor)driver).ExecuteScript("return window.__noReload;"));

        // Readable on a phone: the overview at a phone's width.
        driver.Manage().Window.Size = new System.Drawing.Size(390, 844);
        Click(wait, By.Id("nav-overview"));
        wait.Until(d => d.FindElements(By.CssSelector("#queues-table tr[data-queue='email']")).Count == 1);
        Screenshot(driver, "overview-phone");

        AssertNoConsoleErrors(driver);
    }

    [Fact]
    public async Task Dashboard_At1400px_FitsTheTasksTable_ShowsRunningAndHeldApart_AndTabsCountTasksByState()
    {
        Directory.CreateDirectory(ArtifactDirectory);
        // On B: four long sleeps run and a fifth is held (B runs four at a time). On A: a failure and a task due later.
        var sleeps = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sleeps.Add(await workers.B.EnqueueAsync(new { name = "diagnostics.sleep", kwargs = new { seconds = 60 }, queue = "reports" }));
        }
        var failed = await workers.A.EnqueueAsync(new { name = "diagnostics.fail" });
        await workers.A.WaitForStateAsync(failed, "FAILURE");
        var later = await workers.A.EnqueueAsync(new { name = "afirgen_tasks.cleanup.archive_old_records", countdown = 3600 });
        try
        {
            var driver = Start();
            driver.Manage().Window.Size = new System.Drawing.Size(1400, 900);
            var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
            await driver.Navigate().GoToUrlAsync(workers.A.BaseUrl + "/");

            // The queue's in-flight figure says how many of its messages run and how many are only held.
            var inFlight = "#queues-table tr[data-queue='reports'] td.in-flight";
            // Read in one go inside the wait: the page redraws the table every second, so an element found a moment
            // earlier may be gone (stale) by the next read.
            wait.Until(d =>
            {
                var cell = d.FindElement(By.CssSelector(inFlight));
                return cell.GetDomAttribute("data-running") == "4" && cell.GetDomAttribute("data-held") == "1"
                    && cell.Text.Contains("4 running · 1 held", StringComparison.Ordinal);
            });
            wait.Until(d => d.FindElement(By.CssSelector($"#workers [data-worker='{workers.B.Name}']")).Text.Contains("running 4 · held (prefetched, not started) 1", StringComparison.Ordinal));
            Screenshot(driver, "overview-running-held");

            // The tasks table at 1,400 px: its last column ("updated", then runtime and the revoke button) is in view, unscrolled.
            Click(wait, By.Id("nav-tasks"));
            wait.Until(d => d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{later}']")).Count == 1);
            wait.Until(d => d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{sleeps[0]}']")).Count == 1);
            var fit = (IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript("""
                const table = document.getElementById('tasks-table');
                const last = table.querySelector('thead th:last-child').getBoundingClientRect();
                const updated = [...table.querySelectorAll('thead th')].find(th => th.textContent === 'updated').getBoundingClientRect();
                return [last.right, updated.right, window.innerWidth, table.parentElement.scrollWidth, table.parentElement.clientWidth];
                """)!;
            var (lastRight, updatedRight, width, scrollWidth, clientWidth) = fit.Select(Convert.ToDouble).ToArray() switch { var f => (f[0], f[1], f[2], f[3], f[4]) };
            Screenshot(driver, "tasks-1400");
            Assert.True(updatedRight <= width && lastRight <= width, $"the last columns end at {updatedRight} and {lastRight} px, beyond the {width} px window");
            Assert.True(scrollWidth <= clientWidth, $"the tasks table is {scrollWidth} px wide in a {clientWidth} px box: it scrolls sideways");

            // One tab per state with its count (the index's own, as the API gives it); a tab shows that state's tasks only.
            var counts = await workers.A.GetJsonAsync("/api/monitor/task-counts");
            foreach (var tabState in new[] { "PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED" })
            {
                Assert.NotNull(counts["states"]![tabState]);
            }
            wait.Until(d => long.Parse(d.FindElement(By.CssSelector("#state-tabs button[data-state='STARTED'] .count")).Text, System.Globalization.CultureInfo.InvariantCulture) >= 4);
            wait.Until(d => long.Parse(d.FindElement(By.CssSelector("#state-tabs button[data-state='FAILURE'] .count")).Text, System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Click(wait, By.CssSelector("#state-tabs button[data-state='FAILURE']"));
            wait.Until(d => d.FindElement(By.CssSelector("#state-tabs button[data-state='FAILURE']")).GetDomAttribute("aria-selected") == "true");
            wait.Until(d => d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{failed}']")).Count == 1
                && d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{later}']")).Count == 0);
            wait.Until(d => d.FindElements(By.CssSelector("#tasks-table tbody td.state")).All(td => td.Text == "FAILURE"));
            Click(wait, By.CssSelector("#state-tabs button[data-state='PENDING']"));
            wait.Until(d => d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{later}']")).Count == 1
                && d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{failed}']")).Count == 0);
            Screenshot(driver, "tasks-tab-pending");
            AssertNoConsoleErrors(driver);
        }
        finally
        {
            foreach (var id in sleeps.Append(later))
            {
                await workers.B.PostJsonAsync($"/api/tasks/{id}/revoke?terminate=true", new { });
            }
            foreach (var id in sleeps)
            {
                await workers.B.WaitForStateAsync(id, "REVOKED");
            }
        }
    }

    [Fact]
    public async Task ReplayAllShown_AsksFirst_AndDismissedReplaysNothing_AndTheScheduleRunsNowFromItsPage()
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var failed = await workers.A.EnqueueAsync(new { name = "diagnostics.fail" });
        await workers.A.WaitForStateAsync(failed, "FAILURE");
        var log = workers.A.Requests!;
        int Posts(string path) => log.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.StartsWith(path, StringComparison.Ordinal));

        var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        await driver.Navigate().GoToUrlAsync(workers.A.BaseUrl + "/#dead-letters");
        var deadRow = $"#dead-letters-table tr[data-task-id='{failed}']";
        wait.Until(d => d.FindElements(By.CssSelector(deadRow)).Count == 1);

        // "Replay all shown" asks; dismissed, nothing is sent and the dead letter stays.
        var replays = Posts("/api/dead-letters/replay");
        Click(wait, By.Id("dl-replay-all"));
        var question = wait.Until(d => d.SwitchTo().Alert());
        Assert.StartsWith("Replay ", question.Text, StringComparison.Ordinal);
        question.Dismiss();
        wait.Until(d => d.FindElement(By.Id("dl-result")).Text == "Nothing replayed.");
        Assert.Equal(replays, Posts("/api/dead-letters/replay"));
        Assert.Single(driver.FindElements(By.CssSelector(deadRow)));
        Assert.Equal("FAILURE", (await workers.A.GetJsonAsync($"/api/tasks/{failed}"))["state"]!.GetValue<string>());

        // The schedule's page: the cleanup schedule with its next run, and "run now" (asked first) enqueues its tasks.
        Click(wait, By.Id("nav-schedules"));
        var row = "#schedules-table tr[data-schedule='cleanup']";
        // One read inside the wait (the view redraws every second; a stale read is tried again).
        var scheduleText = wait.Until(d => d.FindElement(By.CssSelector(row + " td.next-run")).Text.Length > 0 ? d.FindElement(By.CssSelector(row)).Text : null)!;
        Assert.Contains("0 0 2 * * *", scheduleText, StringComparison.Ordinal);
        Assert.Contains("afirgen_tasks.cleanup.archive_old_records", scheduleText, StringComparison.Ordinal);
        Screenshot(driver, "schedules");
        Click(wait, By.CssSelector(row + " button.run-now"));
        wait.Until(d => d.SwitchTo().Alert()).Accept();
        var ids = wait.Until(d => d.FindElement(By.Id("schedule-result")).GetDomAttribute("data-task-ids") is { Length: > 0 } v ? v.Split(' ') : null)!;
        Assert.Equal(3, ids.Length);
        foreach (var id in ids)
        {
            var info = await Eventually.ValueAsync(async () =>
            {
                using var response = await workers.A.Http.GetAsync($"/api/task/info/{id}");
                return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
            }, $"run-now task {id} in the index");
            Assert.StartsWith("afirgen_tasks.cleanup.", info["name"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        AssertNoConsoleErrors(driver);
    }

    [Fact]
    public void Dashboard_OpenedWithAFunctionKey_SendsItWithEveryApiRequest_AndTakesItOutOfTheAddressBar()
    {
        var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        var log = workers.A.Requests!;
        ApiRequest[] BrowserRequestsSince(int mark) => log.Requests.Skip(mark).Where(r => r.UserAgent.Contains("Chrome", StringComparison.Ordinal)).ToArray();

        // Opened as the local host is (no key): nothing is sent, so the check below is not vacuous.
        var mark = log.Requests.Count;
        driver.Navigate().GoToUrl(workers.A.BaseUrl + "/");
        wait.Until(d => d.FindElements(By.CssSelector("#queues-table tr[data-queue='email']")).Count == 1);
        var plain = BrowserRequestsSince(mark);
        Assert.Contains(plain, r => r.PathAndQuery.StartsWith("/api/monitor/overview", StringComparison.Ordinal));
        Assert.All(plain, r => Assert.Equal("", r.FunctionKey));

        // Opened as https://<app>/?code=<key>: the key goes with every API request, and leaves the address bar.
        const string key = "k3y-from-the-url_==";
        mark = log.Requests.Count;
        driver.Navigate().GoToUrl(workers.A.BaseUrl + "/?code=" + Uri.EscapeDataString(key));
        wait.Until(d => d.FindElements(By.CssSelector("#queues-table tr[data-queue='email']")).Count == 1);
        Assert.DoesNotContain("code=", driver.Url, StringComparison.Ordinal);
        Click(wait, By.Id("nav-tasks"));
        wait.Until(d => BrowserRequestsSince(mark).Any(r => r.PathAndQuery.StartsWith("/api/tasks?", StringComparison.Ordinal)));
        var keyed = BrowserRequestsSince(mark);
        Assert.Superset(new HashSet<string> { "/api/monitor/overview", "/api/monitor/throughput", "/api/task/types", "/api/queues", "/api/tasks" },
            keyed.Select(r => r.PathAndQuery.Split('?')[0]).ToHashSet());
        Assert.All(keyed, r => Assert.Equal(key, r.FunctionKey));

        // A reload (the address no longer has it) keeps the key for this tab.
        mark = log.Requests.Count;
        driver.Navigate().Refresh();
        wait.Until(d => BrowserRequestsSince(mark).Length >= 2);
        Assert.All(BrowserRequestsSince(mark), r => Assert.Equal(key, r.FunctionKey));
        AssertNoConsoleErrors(driver);
    }

    [Fact]
    public async Task Dashboard_OnAHostWithAnApiKey_SaysHowToOpenItWithout_AndEnqueuesWithIt()
    {
        const string key = "dashboard-test-key-0123456789";
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var requests = new ApiRequestLog();
        var settings = TwoWorkersFixture.Settings("keyed@browser", url, workers.Redis.Configuration);
        settings["TaskProcessor:LocalHost:ApiKey"] = key;
        await using var app = LocalHostApp.Build(settings, builder => builder.Services.AddSingleton<IStartupFilter>(requests));
        await app.StartAsync();
        try
        {
            var driver = Start();
            var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));

            // Without the key the page itself loads (it holds no data), and its status line says how to open it.
            await driver.Navigate().GoToUrlAsync(url + "/");
            wait.Until(d => d.FindElement(By.Id("status")).Text.Contains("the API refused the request (401): open this page as /?code=<key>", StringComparison.Ordinal));

            // Opened with it, the enqueue form works: a same-origin POST, as JSON, with the key.
            await driver.Navigate().GoToUrlAsync(url + "/?code=" + Uri.EscapeDataString(key) + "#tasks");
            wait.Until(d => d.FindElements(By.CssSelector("#enqueue-name option[value='diagnostics.echo']")).Count == 1);
            Click(wait, By.CssSelector("#enqueue-name option[value='diagnostics.echo']"));
            var kwargs = driver.FindElement(By.Id("enqueue-kwargs"));
            kwargs.Clear();
            kwargs.SendKeys("{\"fir_id\": \"FIR-2026-0077\"}");
            driver.FindElement(By.Id("enqueue-submit")).Click();
            var id = wait.Until(d => d.FindElement(By.Id("enqueue-result")).GetDomAttribute("data-task-id") is { Length: > 0 } v ? v : null)!;
            wait.Until(d => d.FindElements(By.CssSelector($"#tasks-table tr[data-task-id='{id}'] td.state")).FirstOrDefault()?.Text == "SUCCESS");

            var post = Assert.Single(requests.Requests, r => r.Method == "POST" && r.UserAgent.Contains("Chrome", StringComparison.Ordinal));
            Assert.Equal(("/api/tasks", key, url), (post.PathAndQuery, post.FunctionKey, post.Origin));
            Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task QueueTable_ShowsEachLane_IndentedUnderItsQueue_OnABrokerWithLanes()
    {
        // Service Bus cannot run here: a host with the lane-keeping broker marker and a statistics port that counts
        // lanes as Service Bus's adapter does.
        Directory.CreateDirectory(ArtifactDirectory);
        var statistics = new LaneMonitoringTests.LanedStatistics();
        statistics.Set("reports", waiting: 5, scheduled: 0, deadLettered: 0);
        statistics.Set("reports-high", waiting: 3, scheduled: 0, deadLettered: 1);
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        await using var app = LocalHostApp.Build(TwoWorkersFixture.Settings("laned@browser", url, workers.Redis.Configuration), builder =>
        {
            builder.Services.AddSingleton<Engine.Broker.IQueueStatisticsSource>(statistics);
            builder.Services.AddSingleton<Engine.Broker.LanedBroker>();
        });
        await app.StartAsync();
        try
        {
            var driver = Start();
            var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
            await driver.Navigate().GoToUrlAsync(url + "/");

            // reports (the totals), then reports-high and the base lane, in that order and indented.
            wait.Until(d => d.FindElements(By.CssSelector("#queues-table tr[data-lane-of='reports']")).Count == 2);
            // Read in one go inside the wait: the page redraws the table every second, so an element found a moment
            // earlier may be gone (stale) by the next read; a stale read is tried again.
            var (rows, cells, total, indent, queueIndent) = wait.Until(d =>
            {
                var rows = d.FindElements(By.CssSelector("#queues-table tbody tr")).Select(r => r.GetDomAttribute("data-queue") ?? r.GetDomAttribute("data-lane")).ToList();
                var high = d.FindElement(By.CssSelector("#queues-table tr[data-lane='reports-high']"));
                var cells = high.FindElements(By.TagName("td")).Select(c => c.Text).ToList();
                var queueRow = d.FindElement(By.CssSelector("#queues-table tr[data-queue='reports']"));
                // A Tuple, not a ValueTuple: WebDriverWait waits only on objects and booleans.
                return Tuple.Create(rows, cells, queueRow.FindElement(By.CssSelector("td:nth-child(3)")).Text,
                    high.FindElement(By.CssSelector("td:first-child")).GetCssValue("padding-left"),
                    queueRow.FindElement(By.CssSelector("td:first-child")).GetCssValue("padding-left"));
            });
            var at = rows.IndexOf("reports");
            Assert.Equal(["reports", "reports-high", "reports"], rows.Skip(at).Take(3));
            Assert.Equal(["reports-high (high)", "7–10", "3", "0", "0", "1", ""], cells);
            Assert.Equal("8", total);
            Assert.True(double.Parse(indent.TrimEnd('p', 'x'), System.Globalization.CultureInfo.InvariantCulture) >
                double.Parse(queueIndent.TrimEnd('p', 'x'), System.Globalization.CultureInfo.InvariantCulture), $"{indent} vs {queueIndent}");
            Screenshot(driver, "overview-lanes");
            AssertNoConsoleErrors(driver);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task TaskDetail_LinksItsParentRootChildrenAndChain_AndOpensThemInPlace()
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var publisher = workers.A.Services!.GetRequiredService<TaskPublisher>();
        var chain = new[]
        {
            new TaskSignature(DiagnosticTasks.Echo, [], [], [], false, null),
            new TaskSignature(DiagnosticTasks.Noop, [], [], [], true, null),
        };
        var root = (await publisher.PublishAsync(new TaskRequest { TaskName = TwoWorkersFixture.SpawnChildren, Kwargs = new JsonObject { ["count"] = 2 }, Chain = chain }, CancellationToken.None)).TaskId;
        var links = MessageIds.ForChain(root, chain);
        await workers.A.WaitForStateAsync(links[^1].TaskId, "SUCCESS");

        var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        await driver.Navigate().GoToUrlAsync(workers.A.BaseUrl + "/#tasks");
        Click(wait, By.CssSelector($"#tasks-table tr[data-task-id='{root}']"));

        // Two children from the handler and the chain's next link, which also started as its child.
        var children = "#detail-fields dd[data-field='children'] a[data-task-link]";
        wait.Until(d => d.FindElements(By.CssSelector(children)).Count == 3);
        // Read inside the wait: a live update may redraw the detail between finding a link and reading it (the wait
        // retries on a stale element).
        var chainLinks = wait.Until(d => d.FindElements(By.CssSelector("#detail-fields dd[data-field='chain'] a[data-task-link]")) is { Count: 2 } found
            ? found.Select(a => (Id: a.GetDomAttribute("data-task-link"), a.Text)).ToArray()
            : null)!;
        Assert.Equal(links.Select(l => l.TaskId), chainLinks.Select(a => a.Id));
        Assert.Contains(DiagnosticTasks.Echo + " (next)", chainLinks[0].Text, StringComparison.Ordinal);
        Assert.Empty(driver.FindElements(By.CssSelector("#detail-fields dd[data-field='parent']")));
        Assert.False(driver.FindElement(By.Id("detail-actions")).Displayed, "a finished task offers no revoke");
        Screenshot(driver, "task-lineage");

        // A child opens in place, with its parent and root linked back.
        var child = wait.Until(d => d.FindElements(By.CssSelector(children)) is { Count: > 0 } found ? found[0].GetDomAttribute("data-task-link") : null)!;
        Click(wait, By.CssSelector($"{children}[data-task-link='{child}']"));
        wait.Until(d => d.FindElement(By.Id("detail-id")).Text == child);
        wait.Until(d => d.FindElements(By.CssSelector($"#detail-fields dd[data-field='parent'] a[data-task-link='{root}']")).Count == 1);
        Assert.Single(driver.FindElements(By.CssSelector($"#detail-fields dd[data-field='root'] a[data-task-link='{root}']")));
        Click(wait, By.CssSelector($"#detail-fields dd[data-field='parent'] a[data-task-link='{root}']"));
        wait.Until(d => d.FindElement(By.Id("detail-id")).Text == root);
        AssertNoConsoleErrors(driver);
    }

    private static void AssertNoConsoleErrors(ChromeDriver driver)
    {
        // A probe shows the console is really being read, so "no errors" means something.
        ((IJavaScriptExecutor)driver).ExecuteScript("console.info('afirgen-console-probe');");
        var log = driver.Manage().Logs.GetLog(LogType.Browser);
        Assert.Contains(log, e => e.Message.Contains("afirgen-console-probe", StringComparison.Ordinal));
        var errors = log.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.True(errors.Length == 0, "console errors: " + string.Join(" | ", errors));
    }

    /// <summary>Clicks what <paramref name="by"/> finds, finding it again if a redraw replaced it meanwhile.</summary>
    private static void Click(WebDriverWait wait, By by) => wait.Until(d =>
    {
        d.FindElement(by).Click();
        return true;
    });

    private void Screenshot(ChromeDriver driver, string view)
    {
        var path = Path.Combine(ArtifactDirectory, $"{view}.png");
        driver.GetScreenshot().SaveAsFile(path);
        output.WriteLine($"screenshot: {path}");
    }

    private static string FindBinary(string name)
    {
        foreach (var directory in new[] { "/usr/bin", "/usr/local/bin", "/usr/lib/chromium" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException($"{name} is not installed. Run scripts/install-prerequisites.sh (it installs Debian's chromium and chromium-driver).");
    }

    public void Dispose()
    {
        _driver?.Quit();
        _driver?.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its profile as it exits; the temporary directory is left behind.
        }
    }
}
