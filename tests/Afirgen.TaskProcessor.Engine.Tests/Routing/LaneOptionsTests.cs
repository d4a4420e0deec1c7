using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Routing;

/// <summary>Lane settings are checked at start-up, each mistake in one sentence that says what to change.</summary>
public sealed class LaneOptionsTests
{
    private static string? StartFailure(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTaskProcessor(p => p.UseInMemoryBroker());
        builder.Services.AddAfirgenDefaults();
        using var services = builder.Services.BuildServiceProvider();
        try
        {
            _ = services.GetRequiredService<IOptions<RoutingOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    [Fact]
    public void TheSeedLanes_AreValid_AndGiveSevenToTenToTheHighLane()
    {
        Assert.Null(StartFailure([]));
        var lanes = new QueueLanes(Options.Create(AfirgenRouting.CreateOptions()));
        Assert.Equal(
            [new QueueLane("reports", "high", "reports-high", 7, 10), new QueueLane("reports", null, "reports", 1, 6)],
            lanes.LanesOf("reports"));
    }

    [Fact]
    public void OverlappingBands_AreRefused()
    {
        var failure = StartFailure(new()
        {
            ["TaskProcessor:Routing:Queues:reports:Lanes:urgent:MinPriority"] = "9",
            ["TaskProcessor:Routing:Queues:reports:Lanes:urgent:MaxPriority"] = "10",
        });

        Assert.Contains("Lanes of queue 'reports' overlap at priority 10 (lane 'high' takes 7–10)", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ABandThatLeavesAGap_IsRefused()
    {
        var failure = StartFailure(new() { ["TaskProcessor:Routing:Queues:email:Lanes:high:MaxPriority"] = "9" });

        Assert.Contains("Lanes of queue 'email' give priority 10 to no lane", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ABandTakingPriorityOne_OrABadName_IsRefused()
    {
        Assert.Contains("use a band within 2–10", StartFailure(new() { ["TaskProcessor:Routing:Queues:email:Lanes:high:MinPriority"] = "1" }), StringComparison.Ordinal);
        Assert.Contains("Lane 'Top_1' of queue 'pdf' is not a valid name", StartFailure(new()
        {
            ["TaskProcessor:Routing:Queues:pdf:DefaultPriority"] = "5",
            ["TaskProcessor:Routing:Queues:pdf:Lanes:Top_1:MinPriority"] = "8",
        }), StringComparison.Ordinal);
    }

    [Fact]
    public void ALaneDisabled_LeavesTheQueueAsOne()
    {
        Assert.Null(StartFailure(new() { ["TaskProcessor:Routing:Queues:email:Lanes:high:Enabled"] = "false" }));
        var options = AfirgenRouting.CreateOptions();
        options.Queues["email"].Lanes["high"].Enabled = false;
        var lanes = new QueueLanes(Options.Create(options));

        Assert.Equal([new QueueLane("email", null, "email", 1, 10)], lanes.LanesOf("email"));
        Assert.False(lanes.LaneFloors().ContainsKey("email"));
    }
}
