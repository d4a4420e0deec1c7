using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.ServiceBus.DeadLetters;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.ServiceBus.Receiving;
using Afirgen.TaskProcessor.ServiceBus.Sending;
using Afirgen.TaskProcessor.ServiceBus.Statistics;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.ServiceBus.Tests.Hosting;

/// <summary>The connection setting the trigger binding also reads, and the ports registered on it.</summary>
public sealed class ServiceBusBrokerRegistrationTests
{
    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Fact]
    public async Task AFullyQualifiedNamespace_GivesIdentityBasedClients_AndEveryPort()
    {
        var builder = Builder(new() { ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-afirgen.servicebus.windows.net" });
        builder.AddTaskProcessor(p => p.UseServiceBus().UseRedisResults());
        builder.Services.AddAfirgenDefaults();
        await using var services = builder.Services.BuildServiceProvider();

        // Creating clients opens no connection; the namespace is what the setting named.
        Assert.Equal("sb-afirgen.servicebus.windows.net", services.GetRequiredService<ServiceBusClient>().FullyQualifiedNamespace);
        Assert.IsType<ServiceBusMessageSender>(services.GetRequiredService<IMessageSender>());
        Assert.IsType<ServiceBusQueueStatistics>(services.GetRequiredService<IQueueStatisticsSource>());
        Assert.IsType<ServiceBusDeadLetterStore>(services.GetRequiredService<IDeadLetterStore>());
        Assert.NotNull(services.GetRequiredService<ServiceBusMessageHandler>());
        Assert.Null(services.GetService<IMessageSource>()); // the trigger pushes; nothing pulls
    }

    [Fact]
    public async Task AConnectionString_IsTheLocalFallback()
    {
        var builder = Builder(new() { ["ServiceBusConnection"] = "Endpoint=sb://localhost/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;" });
        builder.AddServiceBusBroker();
        await using var services = builder.Services.BuildServiceProvider();

        Assert.Equal("localhost", services.GetRequiredService<ServiceBusClient>().FullyQualifiedNamespace);
    }

    [Theory]
    [InlineData(null, "set ServiceBusConnection__fullyQualifiedNamespace")]
    [InlineData("<namespace>.servicebus.windows.net", "give the namespace's host name only")]
    [InlineData("https://sb-afirgen.servicebus.windows.net/", "give the namespace's host name only")]
    public void AMissingOrMistypedNamespace_StopsStartUpWithASentence(string? value, string expected)
    {
        var builder = Builder(new() { ["ServiceBusConnection:fullyQualifiedNamespace"] = value });
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddServiceBusBroker());
        Assert.Contains(expected, error.Message);
    }
}
