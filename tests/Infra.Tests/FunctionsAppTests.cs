using System.Text.Json;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// The Functions app's source and host.json agree with what the infrastructure expects: the function names
/// its Disabled settings name, the queue each trigger listens on, and concurrency and time limits. Read as
/// text, because the Functions project does not build where its Service Bus extension cannot be restored.
/// </summary>
public sealed partial class FunctionsAppTests
{
    private static string FunctionsSource(string relativePath) =>
        File.ReadAllText(Repository.RootFile(Path.Combine("src", "Afirgen.TaskProcessor.Functions", relativePath)));

    private static IEnumerable<string> AllFunctionsSources() =>
        Directory.EnumerateFiles(Repository.RootFile(Path.Combine("src", "Afirgen.TaskProcessor.Functions")), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText);

    private static JsonElement HostJson()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.RootFile("host.json")));
        return document.RootElement.Clone();
    }

    [Fact]
    public void EachQueue_HasTheFunctionTheInfrastructureNames_TriggeredByThatQueue()
    {
        var queueConstants = typeof(QueueNames).GetFields().ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        var triggers = QueueTrigger().Matches(FunctionsSource("Queues/QueueFunctions.cs"))
            .ToDictionary(m => m.Groups["function"].Value, m => queueConstants[m.Groups["queue"].Value]);

        Assert.Equal(Expectations.QueueFunctions.OrderBy(p => p.Key), triggers.Select(t => KeyValuePair.Create(t.Value, t.Key)).OrderBy(p => p.Key));
        Assert.Equal(Expectations.ServiceBusQueues.Order(), triggers.Values.Order());
    }

    [Fact]
    public void EveryFunctionTheInfrastructureDisables_ExistsInTheApp_AndNoQueueOrTimerFunctionIsUnknownToIt()
    {
        var functions = AllFunctionsSources().SelectMany(s => FunctionName().Matches(s)).Select(m => m.Groups[1].Value).ToHashSet();
        var governed = Expectations.QueueFunctions.Values.Append(Expectations.CleanupTimerFunction).ToHashSet();

        Assert.Subset(functions, governed);
        // The functions no app setting disables are the HTTP API's, served by every worker group.
        var http = AllFunctionsSources().SelectMany(s => HttpFunction().Matches(s)).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(http.Order(), functions.Except(governed).Order());
        Assert.Subset(http, new HashSet<string> { "EnqueueTask", "GetTask", "RevokeTask", "GetQueues" });
    }

    [Fact]
    public void TheCleanupTimer_ReadsTheCleanupScheduleSetting()
    {
        var source = FunctionsSource("Schedule/CleanupScheduleFunction.cs");
        Assert.Contains($"[Function(\"{Expectations.CleanupTimerFunction}\")]", source, StringComparison.Ordinal);
        Assert.Contains("[TimerTrigger(\"%\" + CleanupSchedule.AppSetting + \"%\")]", source, StringComparison.Ordinal);
        Assert.Equal("CleanupSchedule", CleanupSchedule.AppSetting);
        Assert.Contains(CleanupSchedule.AppSetting, Expectations.AppSettingsReadInAzure);
    }

    [Fact]
    public void EveryTrigger_LeavesSettlementToTheEngine_OnTheSharedConnectionSetting()
    {
        var triggers = Regex.Matches(FunctionsSource("Queues/QueueFunctions.cs"), @"\[ServiceBusTrigger\((?<args>[^\]]*)\)\]");
        Assert.Equal(Expectations.ServiceBusQueues.Count, triggers.Count);
        Assert.Equal(10, triggers.Count); // five queues and their high lanes
        Assert.All(triggers, t =>
        {
            Assert.Contains("AutoCompleteMessages = false", t.Groups["args"].Value, StringComparison.Ordinal);
            Assert.Contains("Connection = Connection", t.Groups["args"].Value, StringComparison.Ordinal);
        });
        Assert.Contains("ServiceBusConnection__fullyQualifiedNamespace", Expectations.AppSettingsReadInAzure);
    }

    [Fact]
    public void HostJson_ConcurrencyAndPrefetch_AreCelerysAndTheSettingsDefaults()
    {
        var serviceBus = HostJson().GetProperty("extensions").GetProperty("serviceBus");
        var worker = new WorkerOptions();
        using var sample = JsonDocument.Parse(File.ReadAllText(Repository.RootFile("local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");

        Assert.Equal(worker.Concurrency, serviceBus.GetProperty("maxConcurrentCalls").GetInt32());
        Assert.Equal(worker.Concurrency * worker.PrefetchMultiplier, serviceBus.GetProperty("prefetchCount").GetInt32());
        Assert.False(serviceBus.GetProperty("autoCompleteMessages").GetBoolean());
        Assert.Equal(serviceBus.GetProperty("maxConcurrentCalls").GetInt32().ToString(), values.GetProperty("AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls").GetString());
        Assert.Equal(serviceBus.GetProperty("prefetchCount").GetInt32().ToString(), values.GetProperty("AzureFunctionsJobHost__extensions__serviceBus__prefetchCount").GetString());
        Assert.Equal(worker.Concurrency.ToString(), values.GetProperty("TaskProcessor__Worker__Concurrency").GetString());
    }

    [Fact]
    public void HostJson_RenewsLocksAndLetsFunctionsRun_PastTheHardTimeLimit()
    {
        var host = HostJson();
        var hard = new TimeLimitOptions().Hard;
        var renewal = TimeSpan.Parse(host.GetProperty("extensions").GetProperty("serviceBus").GetProperty("maxAutoLockRenewalDuration").GetString()!);
        var timeout = TimeSpan.Parse(host.GetProperty("functionTimeout").GetString()!);

        Assert.True(renewal > hard, $"maxAutoLockRenewalDuration {renewal} must exceed the hard limit {hard}, or a long task's message is redelivered while it runs");
        Assert.True(timeout > renewal, $"functionTimeout {timeout} must exceed the lock renewal {renewal}, so the engine, not the host, ends an overlong task");
        Assert.Equal("2.0", host.GetProperty("version").GetString());
    }

    [Fact]
    public void TheDashboardOwnsTheRoot_NoRoutePrefix_AndTheHostsHomePageOff_InTheTemplatesAndLocally()
    {
        // tests/Afirgen.TaskProcessor.Functions.Tests checks the routes themselves; this, the settings around them.
        Assert.Equal("", HostJson().GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        using var sample = JsonDocument.Parse(File.ReadAllText(Repository.RootFile("local.settings.sample.json")));
        Assert.Equal("true", sample.RootElement.GetProperty("Values").GetProperty("AzureWebJobsDisableHomepage").GetString());
        // The templates' value: AppSettingsTests.EveryApp_TurnsTheHostsHomePageOff.
    }

    [Fact]
    public void TheProject_ShipsTheRootHostJson()
    {
        var project = FunctionsSource("Afirgen.TaskProcessor.Functions.csproj");
        Assert.Contains(@"<None Include=""..\..\host.json"" Link=""host.json"" CopyToOutputDirectory=""PreserveNewest"" />", project, StringComparison.Ordinal);
        Assert.False(File.Exists(Repository.RootFile(Path.Combine("src", "Afirgen.TaskProcessor.Functions", "host.json"))), "a second host.json would shadow the root one");
    }

    [GeneratedRegex(@"\[Function\(""(\w+)""\)\]")]
    private static partial Regex FunctionName();

    [GeneratedRegex(@"\[Function\(""(\w+)""\)\]\s*public\s+(?:static\s+)?[\w<>]+\s+\w+\(\s*\[HttpTrigger\(")]
    private static partial Regex HttpFunction();

    [GeneratedRegex(@"\[Function\(""(?<function>\w+)""\)\]\s*public\s+Task\s+\w+\(\s*\[ServiceBusTrigger\(QueueNames\.(?<queue>\w+)")]
    private static partial Regex QueueTrigger();
}
