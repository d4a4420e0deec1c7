using Afirgen.TaskProcessor.Infra.Tests.Arm;
using Afirgen.TaskProcessor.Infra.Tests.Bicep;

namespace Afirgen.TaskProcessor.Infra.Tests;

[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class ServiceBusTests(CompiledTemplate compiled)
{
    private const string QueueType = "Microsoft.ServiceBus/namespaces/queues";

    private IReadOnlyList<ArmResource> Queues(IReadOnlyDictionary<string, object?>? parameters = null) =>
        compiled.Deployment(parameters).Module("serviceBus").OfType(QueueType);

    [Fact]
    public void QueueNames_AreTheRoutingConfigurations()
    {
        var names = Queues().Select(q => ArmScopeNavigation.LastSegment(q.Name)).ToList();

        Assert.Equal(Expectations.ServiceBusQueues, names);
        Assert.Equal(
            ["default-high", "default", "email-high", "email", "reports-high", "reports", "analytics-high", "analytics", "cleanup-high", "cleanup"],
            names);
    }

    [Fact]
    public void EveryQueue_DeadLettersOnExpiry_AndDetectsDuplicates()
    {
        var queues = Queues();

        Assert.Equal(Expectations.ServiceBusQueues.Count, queues.Count); // the lanes too, with the same settings
        Assert.All(queues, queue =>
        {
            var properties = queue.Properties;
            Assert.Equal(true, properties["deadLetteringOnMessageExpiration"]);
            Assert.Equal(true, properties["requiresDuplicateDetection"]);
            Assert.Equal("PT10M", properties["duplicateDetectionHistoryTimeWindow"]);
            Assert.Equal(10L, properties["maxDeliveryCount"]);
            Assert.Equal("PT5M", properties["lockDuration"]);
            Assert.Equal("P14D", properties["defaultMessageTimeToLive"]);
            Assert.Equal(false, properties["requiresSession"]);
        });
    }

    [Fact]
    public void QueueSettings_FollowTheirParameters()
    {
        var queues = Queues(new Dictionary<string, object?>
        {
            ["queueLockDuration"] = "PT2M",
            ["queueMaxDeliveryCount"] = 4L,
            ["queueDuplicateDetectionWindow"] = "PT30M",
            ["queueDefaultMessageTimeToLive"] = "P1D",
        });

        Assert.Equal(10, queues.Count);
        Assert.All(queues, queue =>
        {
            Assert.Equal("PT2M", queue.Properties["lockDuration"]);
            Assert.Equal(4L, queue.Properties["maxDeliveryCount"]);
            Assert.Equal("PT30M", queue.Properties["duplicateDetectionHistoryTimeWindow"]);
            Assert.Equal("P1D", queue.Properties["defaultMessageTimeToLive"]);
            Assert.Equal(true, queue.Properties["requiresDuplicateDetection"]);
        });
    }

    [Fact]
    public void Namespace_DisablesLocalAuth_AndIsStandardUnlessPremiumIsAsked()
    {
        var standard = compiled.Deployment().Module("serviceBus").SingleOfType("Microsoft.ServiceBus/namespaces");
        var premium = compiled.Deployment(new Dictionary<string, object?> { ["serviceBusSkuName"] = "Premium", ["serviceBusPremiumMessagingUnits"] = 2L })
            .Module("serviceBus").SingleOfType("Microsoft.ServiceBus/namespaces");

        Assert.Equal(true, standard.Properties["disableLocalAuth"]);
        Assert.Equal("Standard", ((Dictionary<string, object?>)standard.Get("sku")!)["name"]);
        Assert.Null(((Dictionary<string, object?>)standard.Get("sku")!)["capacity"]);
        Assert.Equal("Premium", ((Dictionary<string, object?>)premium.Get("sku")!)["name"]);
        Assert.Equal(2L, ((Dictionary<string, object?>)premium.Get("sku")!)["capacity"]);
        Assert.Equal(true, premium.Properties["disableLocalAuth"]);
    }
}
