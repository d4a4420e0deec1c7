using Microsoft.Extensions.Configuration;

namespace Afirgen.TaskProcessor.ServiceBus.Hosting;

/// <summary>
/// Where the Service Bus namespace is, read from the same setting the Functions trigger binding reads
/// (<c>Connection = "ServiceBusConnection"</c>), so one setting serves both.
/// </summary>
/// <param name="FullyQualifiedNamespace">
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c>, e.g. <c>sb-x.servicebus.windows.net</c>: identity-based
/// access with <c>DefaultAzureCredential</c> (the managed identity in Azure, your az/azd login locally).
/// </param>
/// <param name="ClientId"><c>ServiceBusConnection__clientId</c>: the user-assigned managed identity to use, if any.</param>
/// <param name="ConnectionString"><c>ServiceBusConnection</c> as a plain connection string: a local fallback only (the emulator, a dev namespace).</param>
public sealed record ServiceBusConnectionSettings(string? FullyQualifiedNamespace, string? ClientId, string? ConnectionString)
{
    /// <summary>The setting's name, as in the trigger attributes and <c>local.settings.sample.json</c>.</summary>
    public const string Name = "ServiceBusConnection";

    /// <summary>Reads the settings, or throws with a sentence saying which setting to give.</summary>
    public static ServiceBusConnectionSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Name);
        var settings = new ServiceBusConnectionSettings(
            NullIfBlank(section["fullyQualifiedNamespace"]),
            NullIfBlank(section["clientId"]),
            NullIfBlank(section.Value));
        if (settings.FullyQualifiedNamespace is null && settings.ConnectionString is null)
        {
            throw new InvalidOperationException(
                $"Service Bus is not configured: set {Name}__fullyQualifiedNamespace to the namespace's host name " +
                $"(<namespace>.servicebus.windows.net, as the deployed app does), or, locally only, {Name} to a connection string.");
        }
        if (settings.FullyQualifiedNamespace is { } ns && (ns.Contains("://", StringComparison.Ordinal) || ns.Contains('<', StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                $"{Name}__fullyQualifiedNamespace is '{ns}'; give the namespace's host name only, such as sb-afirgen.servicebus.windows.net " +
                "(azd env get-values shows it as SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE).");
        }
        return settings;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
