using System.Text;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Sending;

/// <summary>What reaches the SDK's sender: fields, scheduling, one sender per queue, batching.</summary>
public sealed class ServiceBusMessageSenderTests : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceBusMessageSender _sender;

    public ServiceBusMessageSenderTests() => _sender = new ServiceBusMessageSender(_client, _time, Lanes.Seed);

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes a test class through IAsyncLifetime, never IAsyncDisposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync();
        await _client.DisposeAsync();
    }

    private static OutgoingMessage Message(string id, int priority = 3, string body = "{\"body\":\"...\"}") =>
        new(id, "task-" + id, "afirgen_tasks.email.send_fir_confirmation", priority, Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task Send_WritesTheIdsEnvelopeSubjectAndProperties()
    {
        await _sender.SendAsync("email", Message("m1", priority: 6), null, CancellationToken.None);

        var sent = Assert.Single(_client.SenderFor("email").Sent);
        Assert.Equal("m1", sent.MessageId);
        Assert.Equal("task-m1", sent.CorrelationId);
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", sent.Subject);
        Assert.Equal("application/json", sent.ContentType);
        Assert.Equal("{\"body\":\"...\"}", sent.Body.ToString());
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", sent.ApplicationProperties[ServiceBusPropertyNames.TaskName]);
        Assert.Equal(6, sent.ApplicationProperties[ServiceBusPropertyNames.Priority]);
        Assert.Equal(default, sent.ScheduledEnqueueTime);
        Assert.Empty(_client.SenderFor("email").Scheduled);
    }

    [Fact]
    public async Task Send_WithAFutureTime_SchedulesOnTheBroker_AndSendsNothingNow()
    {
        var due = _time.GetUtcNow() + TimeSpan.FromMinutes(5);
        await _sender.SendAsync("reports", Message("m1"), due, CancellationToken.None);

        var (message, at) = Assert.Single(_client.SenderFor("reports").Scheduled);
        Assert.Equal("m1", message.MessageId);
        Assert.Equal(due, at);
        Assert.Empty(_client.SenderFor("reports").Batches);
    }

    [Fact]
    public async Task Send_WithATimeAlreadyPassed_SendsNow()
    {
        await _sender.SendAsync("reports", Message("m1"), _time.GetUtcNow() - TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Single(_client.SenderFor("reports").Sent);
        Assert.Empty(_client.SenderFor("reports").Scheduled);
    }

    [Fact]
    public async Task Senders_AreCreatedOncePerQueue()
    {
        for (var i = 0; i < 3; i++)
        {
            await _sender.SendAsync("email", Message("e" + i), null, CancellationToken.None);
            await _sender.SendAsync("cleanup", Message("c" + i), _time.GetUtcNow().AddHours(1), CancellationToken.None);
        }
        Assert.Equal(2, _client.SendersCreated);
        Assert.Equal(3, _client.SenderFor("email").Sent.Count());
        Assert.Equal(3, _client.SenderFor("cleanup").Scheduled.Count);
    }

    [Fact]
    public async Task ConcurrentSends_GoOutTogether_InTheNextBatch()
    {
        var fake = _client.SenderFor("email");
        fake.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = _sender.SendAsync("email", Message("first"), null, CancellationToken.None);
        Assert.True(await fake.SendStarted.WaitAsync(Patience), "the first batch was not sent");
        var others = Enumerable.Range(0, 5).Select(i => _sender.SendAsync("email", Message("m" + i), null, CancellationToken.None)).ToArray();
        Assert.False(others.Any(t => t.IsCompleted), "a message was reported sent while its batch was still waiting");

        fake.Hold.SetResult();
        await Task.WhenAll(others.Append(first)).WaitAsync(Patience);

        Assert.Equal([["first"], ["m0", "m1", "m2", "m3", "m4"]], fake.Batches.Select(b => b.Select(m => m.MessageId).ToArray()).ToArray());
    }

    [Fact]
    public async Task AFullBatch_IsSent_AndTheRestOpenTheNext()
    {
        var fake = _client.SenderFor("email");
        fake.BatchCapacity = 2;
        fake.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _sender.SendAsync("email", Message("first"), null, CancellationToken.None);
        Assert.True(await fake.SendStarted.WaitAsync(Patience));
        var others = Enumerable.Range(0, 5).Select(i => _sender.SendAsync("email", Message("m" + i), null, CancellationToken.None)).ToArray();

        fake.Hold.SetResult();
        await Task.WhenAll(others.Append(first)).WaitAsync(Patience);

        Assert.Equal([["first"], ["m0", "m1"], ["m2", "m3"], ["m4"]], fake.Batches.Select(b => b.Select(m => m.MessageId).ToArray()).ToArray());
    }

    [Fact]
    public async Task AMessageNoBatchCanHold_FailsWithASentence_AndTheOthersAreSent()
    {
        var fake = _client.SenderFor("reports");
        fake.MaxBodyBytes = 100;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => _sender.SendAsync("reports", Message("huge", body: new string('x', 200)), null, CancellationToken.None));
        await _sender.SendAsync("reports", Message("small"), null, CancellationToken.None);

        Assert.Contains("'huge' is larger than a Service Bus batch allows", error.Message);
        Assert.Contains("TaskProcessor:Messages:MaxMessageBytes", error.Message);
        Assert.Equal(["small"], fake.Sent.Select(m => m.MessageId));
    }

    [Fact]
    public async Task AFailedBatch_FailsEveryCallerInIt_AndTheSenderGoesOn()
    {
        var fake = _client.SenderFor("email");
        fake.FailNext = new Azure.Messaging.ServiceBus.ServiceBusException("the namespace is busy", Azure.Messaging.ServiceBus.ServiceBusFailureReason.ServiceBusy);

        var error = await Assert.ThrowsAsync<Azure.Messaging.ServiceBus.ServiceBusException>(
            () => _sender.SendAsync("email", Message("m1"), null, CancellationToken.None));
        await _sender.SendAsync("email", Message("m2"), null, CancellationToken.None);

        Assert.Equal(Azure.Messaging.ServiceBus.ServiceBusFailureReason.ServiceBusy, error.Reason);
        Assert.Equal(["m2"], fake.Sent.Select(m => m.MessageId));
    }

    [Fact]
    public async Task Dispose_SendsWhatWasHandedOver_ThenRefusesMore()
    {
        var fake = _client.SenderFor("email");
        fake.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _sender.SendAsync("email", Message("first"), null, CancellationToken.None);
        Assert.True(await fake.SendStarted.WaitAsync(Patience));
        var second = _sender.SendAsync("email", Message("second"), null, CancellationToken.None);

        var disposing = _sender.DisposeAsync().AsTask();
        fake.Hold.SetResult();
        await disposing.WaitAsync(Patience);

        await Task.WhenAll(first, second);
        Assert.Equal(["first", "second"], fake.Sent.Select(m => m.MessageId));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _sender.SendAsync("email", Message("late"), null, CancellationToken.None));
    }
}
