using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Messages;

/// <summary>The six messages real Celery 5.2.6 produced parse to exactly what Celery meant.</summary>
public sealed class CeleryWireSampleTests
{
    private static TaskMessage Parse(string file)
    {
        var outcome = TestOptions.Parser().Parse(WireSamples.Read(file));
        var parsed = Assert.IsType<ParseOutcome.Parsed>(outcome);
        return parsed.Message;
    }

    [Fact]
    public void Parse_ReadsPositionalArgsAndPriority_FromEmailSample()
    {
        var m = Parse("01-email-basic.json");
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", m.TaskName);
        Assert.Equal("2021bb9b-6d64-4e4d-8388-ceadefbaef25", m.Id);
        Assert.Equal(["FIR-2026-0001", "complainant@example.org"], m.Args.Select(a => a!.GetValue<string>()));
        Assert.Empty(m.Kwargs);
        Assert.Equal(3, m.Priority);
        Assert.Equal("email", m.RoutingKey);
        Assert.Equal(0, m.Retries);
        Assert.Null(m.Eta);
        Assert.Null(m.Expires);
        Assert.Null(m.HardTimeLimit);
        Assert.Null(m.SoftTimeLimit);
        Assert.Equal(m.Id, m.RootId);
        Assert.Null(m.ParentId);
        Assert.Empty(m.Chain);
    }

    [Fact]
    public void Parse_ReadsKwargsEtaExpiresAndTimeLimits_FromReportSample()
    {
        var m = Parse("02-report-eta-expires-limits.json");
        Assert.Equal("afirgen_tasks.reports.generate_pdf", m.TaskName);
        Assert.Empty(m.Args);
        Assert.Equal("FIR-2026-0002", m.Kwargs["fir_id"]!.GetValue<string>());
        Assert.Equal(9, m.Priority);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), m.Eta);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), m.Expires);
        Assert.Equal(TimeSpan.FromSeconds(600), m.HardTimeLimit);
        Assert.Equal(TimeSpan.FromSeconds(540), m.SoftTimeLimit);
    }

    [Fact]
    public void Parse_ReadsTheNextLinkOfAChain_FromChainSample()
    {
        var m = Parse("03-chain-first-link.json");
        Assert.Equal("afirgen_tasks.reports.generate_pdf", m.TaskName);
        Assert.Null(m.Priority); // kombu wrote 0: none given
        var next = Assert.Single(m.Chain);
        Assert.Equal("afirgen_tasks.email.send_notification", next.TaskName);
        Assert.Equal("officer@example.org", next.Args[0]!.GetValue<string>());
        Assert.Equal("4e0e686a-947c-4c1c-b1aa-acc344eff307", next.TaskId);
        Assert.False(next.Immutable);
    }

    [Fact]
    public void Parse_ReadsParentRootAndRetries_FromChildSample()
    {
        var m = Parse("04-analytics-child-retry2.json");
        Assert.Equal("afirgen_tasks.analytics.update_dashboard", m.TaskName);
        Assert.Equal(2, m.Retries);
        Assert.Equal("00000000-0000-0000-0000-000000000000", m.RootId);
        Assert.Equal("11111111-1111-1111-1111-111111111111", m.ParentId);
        Assert.Equal(2, m.Priority);
    }

    [Fact]
    public void Parse_TreatsPriorityZeroAsNoneGiven_FromCleanupSample()
    {
        var m = Parse("05-cleanup-no-priority.json");
        Assert.Equal("afirgen_tasks.cleanup.archive_old_records", m.TaskName);
        Assert.Null(m.Priority);
        Assert.Equal(90, m.Kwargs["days"]!.GetValue<int>());
        Assert.Equal("cleanup", m.RoutingKey);
    }

    [Fact]
    public void Parse_ReadsUnroutedTask_FromDefaultQueueSample()
    {
        var m = Parse("06-unrouted-default-queue.json");
        Assert.Equal("afirgen_tasks.unrouted.ping", m.TaskName);
        Assert.Equal("default", m.RoutingKey);
        Assert.Null(m.Priority);
    }

    [Theory]
    [InlineData("01-email-basic.json")]
    [InlineData("02-report-eta-expires-limits.json")]
    [InlineData("03-chain-first-link.json")]
    [InlineData("04-analytics-child-retry2.json")]
    [InlineData("05-cleanup-no-priority.json")]
    [InlineData("06-unrouted-default-queue.json")]
    public void Write_ThenParse_KeepsEverything(string file)
    {
        var original = Parse(file);
        var queue = original.RoutingKey!;
        var written = CeleryMessageWriter.Write(original, queue, original.Priority ?? 5);
        var again = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(written)).Message;

        Assert.Equal(original.Id, again.Id);
        Assert.Equal(original.TaskName, again.TaskName);
        Assert.True(JsonNode.DeepEquals(original.Args, again.Args));
        Assert.True(JsonNode.DeepEquals(original.Kwargs, again.Kwargs));
        Assert.Equal(original.Eta, again.Eta);
        Assert.Equal(original.Expires, again.Expires);
        Assert.Equal(original.HardTimeLimit, again.HardTimeLimit);
        Assert.Equal(original.SoftTimeLimit, again.SoftTimeLimit);
        Assert.Equal(original.Retries, again.Retries);
        Assert.Equal(original.RootId, again.RootId);
        Assert.Equal(original.ParentId, again.ParentId);
        Assert.Equal(original.Chain.Select(c => c.TaskName), again.Chain.Select(c => c.TaskName));
        Assert.Equal(original.Chain.Select(c => c.TaskId), again.Chain.Select(c => c.TaskId));
        Assert.Equal(queue, again.RoutingKey);
    }

    [Fact]
    public void Write_KeepsTheChainReversedOnTheWire_AsCeleryDoes()
    {
        var sig = (string name) => new TaskSignature(name, [], [], [], false, null);
        var message = new TaskMessage { Id = "t1", TaskName = "first", Chain = [sig("second"), sig("third")] };
        var envelope = JsonNode.Parse(CeleryMessageWriter.Write(message, "default", 5))!;
        var body = JsonNode.Parse(Convert.FromBase64String(envelope["body"]!.GetValue<string>()))!;
        var wireChain = body[2]!["chain"]!.AsArray().Select(s => s!["task"]!.GetValue<string>());
        Assert.Equal(["third", "second"], wireChain);
    }
}
