namespace Afirgen.TaskProcessor.Infra.Tests;

/// <summary>
/// What the application expects of the infrastructure, in one place. Queues come from the engine's
/// own routing defaults, so a queue added there and not to the templates fails these tests.
/// </summary>
public static class Expectations
{
    /// <summary>The routing configuration's queues and their default priorities, in order.</summary>
    public static readonly IReadOnlyList<(string Queue, int Priority)> RoutingConfiguration =
        Afirgen.TaskProcessor.AfirgenTasks.Queues.AfirgenRouting.CreateOptions().Queues.Select(q => (q.Key, q.Value.DefaultPriority)).ToList();

    public static IReadOnlyList<string> Queues => RoutingConfiguration.Select(r => r.Queue).ToList();

    /// <summary>The routing configuration's lanes.</summary>
    public static readonly Afirgen.TaskProcessor.Engine.Routing.QueueLanes Lanes =
        new(Microsoft.Extensions.Options.Options.Create(Afirgen.TaskProcessor.AfirgenTasks.Queues.AfirgenRouting.CreateOptions()));

    /// <summary>The Service Bus queues: every queue's lanes, highest first, then the queue itself.</summary>
    public static IReadOnlyList<string> ServiceBusQueues => Lanes.BrokerQueues;

    /// <summary>Functions of Afirgen.TaskProcessor.Functions, per Service Bus queue (lanes included).</summary>
    public static readonly IReadOnlyDictionary<string, string> QueueFunctions = new Dictionary<string, string>
    {
        ["default"] = "ProcessDefaultQueue",
        ["default-high"] = "ProcessDefaultHighQueue",
        ["email"] = "ProcessEmailQueue",
        ["email-high"] = "ProcessEmailHighQueue",
        ["reports"] = "ProcessReportsQueue",
        ["reports-high"] = "ProcessReportsHighQueue",
        ["analytics"] = "ProcessAnalyticsQueue",
        ["analytics-high"] = "ProcessAnalyticsHighQueue",
        ["cleanup"] = "ProcessCleanupQueue",
        ["cleanup-high"] = "ProcessCleanupHighQueue",
    };

    public const string CleanupTimerFunction = "ScheduleCleanup";

    /// <summary>The setting that turns a function off (docs: "How to disable functions in Azure Functions").</summary>
    public static string DisabledSetting(string functionName) => $"AzureWebJobs.{functionName}.Disabled";

    /// <summary>App settings the Functions app reads in Azure.</summary>
    public static readonly IReadOnlyList<string> AppSettingsReadInAzure =
    [
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "ServiceBusConnection__fullyQualifiedNamespace",
        "ServiceBusConnection__credential",
        "ServiceBusConnection__clientId",
        "AZURE_CLIENT_ID",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "TaskProcessor__Redis__Configuration",
        "TaskProcessor__Redis__Credential",
        "TaskProcessor__Redis__ClientId",
        "Afirgen__Storage__ServiceUri",
        "Afirgen__Storage__ReportsContainer",
        "Afirgen__Storage__ArchiveContainer",
        "Afirgen__Smtp__Host",
        "Afirgen__Smtp__Port",
        "Afirgen__Smtp__Security",
        "Afirgen__Smtp__From",
        "Afirgen__Smtp__UserName",
        "TaskProcessor__Worker__Concurrency",
        "TaskProcessor__Worker__PrefetchMultiplier",
        "TaskProcessor__Worker__LaneSlots",
        "AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls",
        "AzureFunctionsJobHost__extensions__serviceBus__prefetchCount",
        "CleanupSchedule",
        "AzureWebJobsDisableHomepage",
        .. QueueFunctions.Values.Append(CleanupTimerFunction).Select(DisabledSetting),
    ];

    /// <summary>
    /// App settings that carry a secret: in Azure each is a Key Vault reference to the secret named here,
    /// set only when that secret's parameter is given (without it the app stops at start-up naming the
    /// setting). Locally they are plain values in local.settings.json.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Parameter, string SecretName)> KeyVaultReferenceSettings =
        new Dictionary<string, (string, string)>
        {
            ["Afirgen__Database__ConnectionString"] = ("afirgenDatabaseConnectionString", "afirgen-database-connection-string"),
            ["Afirgen__Smtp__Password"] = ("smtpPassword", "afirgen-smtp-password"),
        };

    /// <summary>Parameters giving every secret a value, so that every Key Vault reference setting is set.</summary>
    public static Dictionary<string, object?> WithAllSecrets() =>
        KeyVaultReferenceSettings.Values.ToDictionary(s => s.Parameter, s => (object?)$"literal-{s.SecretName}-value");

    /// <summary>
    /// Settings only local.settings.json has: Flex Consumption sets the worker runtime in
    /// functionAppConfig (the app setting is not allowed there), and locally the host storage is
    /// Azurite through a development connection string instead of the identity-based form.
    /// </summary>
    public static readonly IReadOnlySet<string> LocalOnlySettings = new HashSet<string>
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "AzureWebJobsStorage",
    };

    /// <summary>
    /// Settings only Azure has: identity selection (locally DefaultAzureCredential uses the developer's
    /// az/azd login; a managed identity does not exist there), the identity-based host storage form,
    /// and telemetry (absent locally = no export).
    /// </summary>
    public static readonly IReadOnlySet<string> AzureOnlySettings = new HashSet<string>
    {
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "ServiceBusConnection__credential",
        "ServiceBusConnection__clientId",
        "AZURE_CLIENT_ID",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "TaskProcessor__Redis__Credential",
        "TaskProcessor__Redis__ClientId",
    };

    /// <summary>Built-in role definition ids, from "Azure built-in roles" (Integration, Storage, Monitor, Security).</summary>
    public static class Roles
    {
        public const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
        public const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
        public const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

        /// <summary>More than anyone here needs (it adds ACL and ownership management): no principal gets it.</summary>
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    }
}
