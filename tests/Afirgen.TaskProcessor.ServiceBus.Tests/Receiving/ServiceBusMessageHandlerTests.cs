using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker;
using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Tests.Fakes;
using Afirgen.TaskProcessor.Testing;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Receiving;

/// <summary>
/// A trigger's message through the adapter and the real engine to a result in real Redis, and what the
/// engine sends back out through the Service Bus sender (retries, children, ETA deferrals).
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ServiceBusMessageHandlerTests(RedisFixture redis) : IAsyncLifetime, IAsyncDisposable
{
    private const string Parent = "afirgen_tasks.reports.generate_bulk";
    private const string Child = "afirgen_tasks.email.notify";
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private long _sequence;

    public Task InitializeAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TaskProcessor:Redis:Configuration"] = redis.Server.Configuration,
            // The local fallback form; the client it would create is replaced by the fake below.
            [ServiceBusConnectionSettings.Name] = "Endpoint=sb://localhost/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==",
        });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(new RetryRandom(new Random(1)));
        builder.AddTaskProcessor(p => p.UseServiceBus().UseRedisResults().AddDiagnosticTasks());
        builder.Services.AddAfirgenDefaults();
        builder.Services.Replace(ServiceDescriptor.Singleton<ServiceBusClient>(_client));
        builder.Services.AddTask(Child, static _ => ValueTask.FromResult<JsonNode?>(null));
        builder.Services.AddTask(Parent, static async context =>
        {
            var child = await context.EnqueueAsync(Child, kwargs: new JsonObject { ["fir_id"] = "FIR-1" });
            return JsonValue.Create(child);
        });
        _services = builder.Services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    // xunit 2 disposes a test class through IAsyncLifetime, never IAsyncDisposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        // Registered as an instance, so the container leaves it to us.
        await _client.DisposeAsync();
    }

    private ServiceBusMessageHandler Handler => _services.GetRequiredService<ServiceBusMessageHandler>();
    private IResultStore Results => _services.GetRequiredService<IResultStore>();

    /// <summary>The message a Service Bus trigger would receive for <paramref name="request"/>, as our producers write it.</summary>
    private (ServiceBusReceivedMessage Message, string Queue, string TaskId) Received(TaskRequest request)
    {
        var prepared = _services.GetRequiredService<TaskPublisher>().Prepare(request);
        return (Delivery(prepared.Body, prepared.MessageId), prepared.Queue, prepared.Message.Id);
    }

    private ServiceBusReceivedMessage Delivery(byte[] body, string messageId) => ServiceBusModelFactory.ServiceBusReceivedMessage(
        body: BinaryData.FromBytes(body),
        messageId: messageId,
        contentType: ServiceBusMessages.ContentType,
        deliveryCount: 1,
        enqueuedTime: _time.GetUtcNow(),
        lockedUntil: _time.GetUtcNow() + TimeSpan.FromMinutes(5),
        sequenceNumber: Interlocked.Increment(ref _sequence));

    [Fact]
    public async Task AMessage_RunsItsTask_StoresTheResult_ThenCompletes()
    {
        var (message, queue, taskId) = Received(new TaskRequest { TaskName = DiagnosticTasks.Echo, Kwargs = new JsonObject { ["fir_id"] = "FIR-7" } });
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync(queue, message, settlement, CancellationToken.None);

        var result = await Results.GetAsync(taskId, CancellationToken.None);
        Assert.Equal(TaskStates.Success, result!.Status);
        Assert.Equal("FIR-7", result.Result!["kwargs"]!["fir_id"]!.GetValue<string>());
        Assert.Equal(["complete"], settlement.Actions);
    }

    [Fact]
    public async Task ABodyThatIsNotACeleryEnvelope_IsDeadLetteredAsMalformed_NotThrown()
    {
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync("default", Delivery(Encoding.UTF8.GetBytes("plain text, not kombu"), "foreign-1"), settlement, CancellationToken.None);

        Assert.Equal(["dead-letter"], settlement.Actions);
        Assert.Equal(DeadLetterReasons.MalformedMessage, settlement.DeadLettered!.Value.Reason);
    }

    [Fact]
    public async Task ARetry_IsScheduledOnTheSameQueue_WithTheNextRetryIdAndCount_ThenTheOriginalCompletes()
    {
        var (message, queue, taskId) = Received(new TaskRequest { TaskName = DiagnosticTasks.FailTimes, Kwargs = new JsonObject { ["times"] = 1 } });
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync(queue, message, settlement, CancellationToken.None);

        var (retry, at) = Assert.Single(_client.SenderFor(queue).Scheduled);
        Assert.Equal(MessageIds.ForRetry(taskId, 1), retry.MessageId);
        Assert.Equal(taskId, retry.CorrelationId);
        Assert.Equal(DiagnosticTasks.FailTimes, retry.Subject);
        // Back-off from 1 s with ±20 % jitter.
        Assert.InRange(at - _time.GetUtcNow(), TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2));
        var parsed = Assert.IsType<ParseOutcome.Parsed>(_services.GetRequiredService<CeleryMessageParser>().Parse(retry.Body.ToMemory()));
        Assert.Equal(1, parsed.Message.Retries);
        Assert.Equal(TaskStates.Retry, (await Results.GetAsync(taskId, CancellationToken.None))!.Status);
        Assert.Equal(["complete"], settlement.Actions);
        Assert.Empty(_client.SenderFor(queue).Batches);
    }

    [Fact]
    public async Task AChildTask_IsSentToItsOwnQueue_WithItsDerivedId_AndTheParentsPriority()
    {
        var (message, queue, parentId) = Received(new TaskRequest { TaskName = Parent, Priority = 8 });
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync(queue, message, settlement, CancellationToken.None);

        Assert.Equal("reports", queue);
        // Priority 8 is the email queue's high lane, as it was the reports queue's for the parent.
        Assert.Empty(_client.SenderFor("email").Sent);
        var child = Assert.Single(_client.SenderFor("email-high").Sent);
        var childId = MessageIds.ForChild(parentId, Child, 1); // the first child
        Assert.Equal(childId, child.MessageId);
        Assert.Equal(childId, child.CorrelationId);
        Assert.Equal(Child, child.Subject);
        Assert.Equal(8, child.ApplicationProperties[ServiceBusPropertyNames.Priority]);
        var parsed = Assert.IsType<ParseOutcome.Parsed>(_services.GetRequiredService<CeleryMessageParser>().Parse(child.Body.ToMemory()));
        Assert.Equal(parentId, parsed.Message.ParentId);
        Assert.Equal(childId, (await Results.GetAsync(parentId, CancellationToken.None))!.Result!.GetValue<string>());
        Assert.Equal(["complete"], settlement.Actions);
    }

    [Fact]
    public async Task AMessageDueLater_IsHandedBackToTheBrokerUntilItsEta()
    {
        var eta = _time.GetUtcNow() + TimeSpan.FromHours(2);
        var (message, queue, _) = Received(new TaskRequest { TaskName = DiagnosticTasks.Echo, Eta = eta });
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync(queue, message, settlement, CancellationToken.None);

        var (deferred, at) = Assert.Single(_client.SenderFor(queue).Scheduled);
        Assert.Equal(MessageIds.ForEtaDeferral(message.MessageId), deferred.MessageId);
        Assert.Equal(eta, at);
        Assert.Equal(["complete"], settlement.Actions);
    }

    [Fact]
    public async Task APermanentFailure_StoresFailure_AndDeadLettersWithTheReason()
    {
        var (message, queue, taskId) = Received(new TaskRequest { TaskName = DiagnosticTasks.Fail });
        var settlement = new RecordingSettlement();

        await Handler.HandleAsync(queue, message, settlement, CancellationToken.None);

        Assert.Equal(TaskStates.Failure, (await Results.GetAsync(taskId, CancellationToken.None))!.Status);
        Assert.Equal(DeadLetterReasons.TaskFailed, settlement.DeadLettered!.Value.Reason);
    }

    [Fact]
    public void TheEngineSees_TheDeliverysIdBodyCountAndTimes()
    {
        var enqueued = new DateTimeOffset(2026, 11, 25, 11, 59, 0, TimeSpan.Zero);
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{}"), messageId: "m-1", deliveryCount: 3, enqueuedTime: enqueued,
            lockedUntil: enqueued.AddMinutes(5), sequenceNumber: 42,
            properties: new Dictionary<string, object> { [ServiceBusPropertyNames.Priority] = 4 });

        var received = ReceivedMessages.From("email", message);

        Assert.Equal(new ReceivedMessage("email", "m-1", received.Body, 3, enqueued, enqueued.AddMinutes(5)), received);
        Assert.Equal("{}", Encoding.UTF8.GetString(received.Body.Span));
    }
}
