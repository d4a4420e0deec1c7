using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.ServiceBus.Statistics;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Statistics;

/// <summary>GET /api/queues figures from the queues' runtime properties.</summary>
public sealed class ServiceBusQueueStatisticsTests
{
    [Fact]
    public async Task EachQueue_ReportsActiveScheduledAndBothDeadLetterCounts_InTheOrderAsked()
    {
        var administration = new FakeAdministrationClient(new()
        {
            ["email"] = ServiceBusModelFactory.QueueRuntimeProperties("email", activeMessageCount: 12, scheduledMessageCount: 3,
                deadLetterMessageCount: 2, transferDeadLetterMessageCount: 1, totalMessageCount: 18),
            ["cleanup"] = ServiceBusModelFactory.QueueRuntimeProperties("cleanup"),
        });

        var stats = await new ServiceBusQueueStatistics(administration, Lanes.Seed).GetStatisticsAsync(["email", "cleanup"], CancellationToken.None);

        Assert.Equal([new QueueStatistics("email", 12, 3, 0, 3), new QueueStatistics("cleanup", 0, 0, 0, 0)], stats);
    }

    [Fact]
    public async Task AQueueWithLanes_CountsEveryLane_AndALaneNamedAlone_OnlyItself()
    {
        var administration = new FakeAdministrationClient(new()
        {
            ["reports"] = ServiceBusModelFactory.QueueRuntimeProperties("reports", activeMessageCount: 2000, deadLetterMessageCount: 1),
            ["reports-high"] = ServiceBusModelFactory.QueueRuntimeProperties("reports-high", activeMessageCount: 3, scheduledMessageCount: 2),
        });
        var statistics = new ServiceBusQueueStatistics(administration, Lanes.Seed);

        Assert.Equal([new QueueStatistics("reports", 2003, 2, 0, 1)], await statistics.GetStatisticsAsync(["reports"], CancellationToken.None));
        Assert.Equal([new QueueStatistics("reports-high", 3, 2, 0, 0)], await statistics.GetStatisticsAsync(["reports-high"], CancellationToken.None));
    }

    [Fact]
    public async Task MonitoringsDepthReader_ShowsEachLaneUnderItsQueue_FromTheseStatistics()
    {
        var administration = new FakeAdministrationClient(new()
        {
            ["reports"] = ServiceBusModelFactory.QueueRuntimeProperties("reports", activeMessageCount: 2000, deadLetterMessageCount: 1),
            ["reports-high"] = ServiceBusModelFactory.QueueRuntimeProperties("reports-high", activeMessageCount: 3, scheduledMessageCount: 2),
        });
        var reader = new QueueDepthReader(new ServiceBusQueueStatistics(administration, Lanes.Seed),
            new TaskRouter(Options.Create(AfirgenRouting.CreateOptions())), Lanes.Seed, brokerHasLanes: true);

        var reports = (await reader.GetAsync(CancellationToken.None)).Single(d => d.Totals.Queue == "reports");

        Assert.Equal(new QueueStatistics("reports", 2003, 2, 0, 1), reports.Totals);
        Assert.Equal(
            [new LaneDepth("reports-high", "high", 7, 10, 3, 2, 0, 0), new LaneDepth("reports", QueueLanes.Base, 1, 6, 2000, 0, 0, 1)],
            reports.Lanes);
    }

    [Fact]
    public async Task WithoutTheManageRight_TheErrorSaysWhichRoleToAssign()
    {
        var administration = new FakeAdministrationClient([]) { Refuse = true };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new ServiceBusQueueStatistics(administration, Lanes.Seed).GetStatisticsAsync(["email"], CancellationToken.None));

        Assert.Contains("Azure Service Bus Data Owner", error.Message);
    }

    private sealed class FakeAdministrationClient(Dictionary<string, QueueRuntimeProperties> queues) : ServiceBusAdministrationClient
    {
        public bool Refuse { get; init; }

        public override Task<Response<QueueRuntimeProperties>> GetQueueRuntimePropertiesAsync(string name, CancellationToken cancellationToken = default) =>
            Refuse
                ? throw new UnauthorizedAccessException("Manage,EntityRead claims required for this operation.")
                : Task.FromResult(Response.FromValue(queues.TryGetValue(name, out var q) ? q : ServiceBusModelFactory.QueueRuntimeProperties(name), new NoResponse()));
    }

    /// <summary>The HTTP response behind a value; the statistics never read it.</summary>
    private sealed class NoResponse : Response
    {
        public override int Status => 200;
        public override string ReasonPhrase => "OK";
        public override Stream? ContentStream { get; set; }
        public override string ClientRequestId { get; set; } = "";
        public override void Dispose() { }
        protected override bool ContainsHeader(string name) => false;
        protected override IEnumerable<Azure.Core.HttpHeader> EnumerateHeaders() => [];
        protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) { value = null; return false; }
        protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values) { values = null; return false; }
    }
}
