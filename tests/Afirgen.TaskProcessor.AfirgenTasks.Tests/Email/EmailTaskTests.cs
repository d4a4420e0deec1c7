using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Email;
using Afirgen.TaskProcessor.Engine.Results;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Email;

/// <summary>The e-mail tasks against a real SMTP server (aiosmtpd) and MariaDB.</summary>
[Collection(AfirgenServersCollectionDefinition.Name)]
public sealed class EmailTaskTests(AfirgenServers servers) : IAsyncLifetime
{
    private TaskHarness _h = null!;
    private string _db = null!;

    public async Task InitializeAsync()
    {
        _db = await servers.MariaDb.CreateDatabaseAsync("email_tasks");
        await FirRecordsSchema.CreateAsync(_db);
        var now = DateTimeOffset.UtcNow;
        await FirRecordsSchema.InsertAsync(_db, "FIR-2026-0001", "pending", now.AddHours(-1), complaint: "Secret complaint words that must not leak.");
        await FirRecordsSchema.InsertAsync(_db, "FIR-2026-0002", "finalized", now.AddDays(-3), now.AddDays(-1),
            content: """{"complainant_email": "stored.complainant@example.org", "place": "Test Street"}""");
        _h = TaskHarness.Create(servers, "email", _db, cacheDatabase: 1);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string NewAddress() => $"c{Guid.NewGuid():N}@example.org";

    [Fact]
    public async Task SendFirConfirmation_DeliversATextAndHtmlMailOverSmtp_AndNeitherLogsNorResultHoldTheAddress()
    {
        var to = NewAddress();
        var meta = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, new JsonObject { ["fir_id"] = "FIR-2026-0001", ["recipient_email"] = to });

        var result = Results.Success(meta);
        Assert.Equal("FIR-2026-0001", (string?)result["fir_id"]);
        Assert.Equal("c***@example.org", (string?)result["recipient"]);
        Assert.Equal(["status", "message", "fir_id", "recipient"], result.Select(p => p.Key));

        var mail = Assert.Single(servers.Smtp.MessagesTo(to));
        Assert.Contains("FIR-2026-0001", mail.Subject);
        Assert.Equal("no-reply@afirgen.example", ((MailboxAddress)mail.From[0]).Address);
        Assert.Equal(MailDelivery.MessageIdFor(meta.TaskId), mail.MessageId);
        Assert.Contains("FIR-2026-0001", mail.TextBody);
        Assert.Contains("FIR-2026-0001", mail.HtmlBody);
        Assert.DoesNotContain("Secret complaint", mail.TextBody);

        var logs = _h.AllLogText();
        Assert.Contains("c***@example.org", logs);
        Assert.DoesNotContain(to, logs);
        Assert.DoesNotContain("Secret complaint", logs);
    }

    [Fact]
    public async Task SendFirConfirmation_RunTwiceWithTheSameTaskId_SendsOneMail()
    {
        var to = NewAddress();
        var kwargs = new JsonObject { ["fir_id"] = "FIR-2026-0001", ["recipient_email"] = to };
        var first = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, kwargs);

        // Redelivered while the result is stored: the engine does not run it again.
        var again = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, (JsonObject)kwargs.DeepClone(), first.TaskId, messageId: first.TaskId + ".dup");
        // Redelivered after a crash that lost the result: the handler runs, the sent-mail ledger stops the second mail.
        var afterCrash = await _h.RunAgainAfterCrashAsync(AfirgenTaskNames.SendFirConfirmation, (JsonObject)kwargs.DeepClone(), first.TaskId);

        Results.Success(again);
        Assert.Contains("already sent", (string?)Results.Success(afterCrash)["message"]);
        Assert.Single(servers.Smtp.MessagesTo(to));
    }

    [Fact]
    public async Task SendFirConfirmation_ForAnUnknownFir_FailsAtOnceSayingSo()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, new JsonObject { ["fir_id"] = "FIR-NOPE", ["recipient_email"] = NewAddress() });

        Assert.Contains("No FIR with number 'FIR-NOPE'", Results.Failure(meta));
        Assert.Equal(0, (await _h.Broker.GetStatisticsAsync(["email"], CancellationToken.None))[0].Scheduled);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("two@@example.org")]
    [InlineData("Name <someone@example.org>")]
    [InlineData("someone@localhost")]
    public async Task SendFirConfirmation_ToAnInvalidAddress_FailsAtOnce_WithoutRepeatingIt(string address)
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, new JsonObject { ["fir_id"] = "FIR-2026-0001", ["recipient_email"] = address });

        var message = Results.Failure(meta);
        Assert.Contains("recipient_email is not a valid e-mail address", message);
        Assert.DoesNotContain(address, message);
        Assert.Equal(0, (await _h.Broker.GetStatisticsAsync(["email"], CancellationToken.None))[0].Scheduled);
    }

    [Fact]
    public async Task SendFirConfirmation_WhileSmtpIsDown_IsRetried_AndDeliversOnceItIsBack()
    {
        var to = NewAddress();
        await servers.Smtp.StopAsync();
        TaskResultMeta retry;
        try
        {
            retry = await _h.RunAsync(AfirgenTaskNames.SendFirConfirmation, new JsonObject { ["fir_id"] = "FIR-2026-0001", ["recipient_email"] = to });
        }
        finally
        {
            await servers.Smtp.StartAgainAsync();
        }
        Assert.Equal(TaskStates.Retry, retry.Status);
        Assert.Equal(1, (await _h.Broker.GetStatisticsAsync(["email"], CancellationToken.None))[0].Scheduled);

        // The e-mail policy's first back-off: 1 s ± 20 %.
        _h.Time.Advance(TimeSpan.FromSeconds(1.3));
        var delivered = await _h.RunNextAsync("email", retry.TaskId);

        Results.Success(delivered);
        Assert.Single(servers.Smtp.MessagesTo(to));
    }

    [Fact]
    public async Task SendConfirmation_TakesTheRecipientFromTheFir_OrFailsClearlyWhenItHasNone()
    {
        var ok = await _h.RunAsync(AfirgenTaskNames.SendConfirmation, new JsonObject { ["fir_id"] = "FIR-2026-0002" });
        Assert.Equal("s***@example.org", (string?)Results.Success(ok)["recipient"]);
        Assert.Contains(servers.Smtp.MessagesTo("stored.complainant@example.org"), m => m.MessageId == MailDelivery.MessageIdFor(ok.TaskId));

        var none = await _h.RunAsync(AfirgenTaskNames.SendConfirmation, new JsonObject { ["fir_id"] = "FIR-2026-0001" });
        Assert.Contains("holds no complainant e-mail address", Results.Failure(none));
    }

    [Fact]
    public async Task SendNotification_DeliversTheCallersSubjectAndBody_AndAcceptsPriority()
    {
        var to = NewAddress();
        var meta = await _h.RunAsync(AfirgenTaskNames.SendNotification, new JsonObject
        {
            ["recipient_email"] = to, ["subject"] = "Your FIR was updated", ["body"] = "Line one\nLine <two>", ["priority"] = 3,
        });

        var result = Results.Success(meta);
        Assert.Equal("Your FIR was updated", (string?)result["subject"]);
        var mail = Assert.Single(servers.Smtp.MessagesTo(to));
        Assert.Equal("Your FIR was updated", mail.Subject);
        Assert.Contains("Line <two>", mail.TextBody);
        Assert.Contains("Line &lt;two&gt;", mail.HtmlBody);
    }

    [Fact]
    public async Task SendNotification_WithoutASubject_FailsAsPythonWould()
    {
        var meta = await _h.RunAsync(AfirgenTaskNames.SendNotification, new JsonObject { ["recipient_email"] = NewAddress(), ["body"] = "x" });

        Assert.Equal("TypeError", (string?)meta.Result!["exc_type"]);
        Assert.Contains("subject", Results.Failure(meta));
    }
}
