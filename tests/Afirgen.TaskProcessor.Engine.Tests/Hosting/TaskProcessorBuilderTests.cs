using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Engine.Tests.Hosting;

/// <summary>The one entry point: a broker is a required choice, and parts may be named in any order.</summary>
public sealed class TaskProcessorBuilderTests
{
    private static HostApplicationBuilder Builder() => Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

    [Fact]
    public void NoBroker_StopsTheStart_SayingWhatToCall()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder().AddTaskProcessor(p => p.AddDiagnosticTasks()));

        Assert.Equal("No broker is chosen: call one of UseServiceBus(), UseRedisBroker() or UseInMemoryBroker() in AddTaskProcessor(...).", error.Message);
    }

    [Fact]
    public void TwoBrokers_StopTheStart_NamingBoth()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder().AddTaskProcessor(p => p
            .UseInMemoryBroker()
            .UseBroker("UseOtherBroker()", _ => { })));

        Assert.Equal("2 brokers are chosen (UseInMemoryBroker(), UseOtherBroker()): a task processor has one; keep only one of them in AddTaskProcessor(...).", error.Message);
    }

    [Fact]
    public void PartsNamedBeforeTheBroker_AreRegisteredAfterTheEngine()
    {
        var builder = Builder();
        var order = new List<string>();
        var processor = builder.AddTaskProcessor(p => p
            .Add(TaskProcessorStage.Application, b => order.Add(b.Services.Any(d => d.ServiceType == typeof(EmbeddedBroker)) ? "application after broker" : "application first"))
            .Add(TaskProcessorStage.Connections, b => order.Add(b.Services.Any(d => d.ServiceType == typeof(TaskPublisher)) ? "connections after the engine" : "connections first"))
            .UseInMemoryBroker());

        Assert.Equal(["connections first", "application after broker"], order);
        using var services = builder.Services.BuildServiceProvider();
        Assert.IsType<EmbeddedBroker>(services.GetRequiredService<IMessageSender>());
        Assert.Contains(TaskTelemetry.Name, processor.ActivitySources);
        Assert.Contains(TaskTelemetry.Name, processor.Meters);
    }
}
