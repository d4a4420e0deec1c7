// One worker group: a Flex Consumption plan and a function app running the task processor package
// with only its own queues' functions enabled (the rest are disabled by app setting), and its own
// Service Bus concurrency and prefetch. All groups deploy the same package.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app.')
param tags { *: string } = {}

@description('azd service name of this app (as in azure.yaml); set as the azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account used as AzureWebJobsStorage and for reports and archives.')
param storageAccountName string

@description('Blob service endpoint of that account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Blob container the deployment package goes to.')
param deploymentContainerName string

@description('Container for generated reports.')
param reportsContainerName string

@description('Container for archived records.')
param archiveContainerName string

@description('Versionless URI of the Key Vault secret with AFIRGen\'s MySQL connection string; empty: none (the app then stops at start-up naming Afirgen:Database:ConnectionString).')
param databaseConnectionStringSecretUri string

@description('Versionless URI of the Key Vault secret with the SMTP password; empty: none.')
param smtpPasswordSecretUri string

@description('SMTP server host name; empty: the app stops at start-up naming Afirgen:Smtp:Host.')
param smtpHost string

@description('SMTP port.')
param smtpPort string

@description('SMTP transport security: StartTls, SslOnConnect, Auto or None.')
param smtpSecurity string

@description('Sender address of AFIRGen\'s mail.')
param smtpFrom string

@description('SMTP user; empty: no authentication.')
param smtpUserName string

@description('Fully qualified Service Bus namespace host name.')
param serviceBusFullyQualifiedNamespace string

@description('Redis host name.')
param redisHostName string

@description('Redis TLS port.')
param redisPort int

@description('Application Insights connection string (not a secret).')
param applicationInsightsConnectionString string

@description('Queues whose functions this app runs; the other queues\' functions are disabled here.')
param queues string[]

@description('Tasks one instance runs at a time (priority gate) and Service Bus maxConcurrentCalls per function.')
@minValue(1)
param concurrency int

@description('Slots per instance beside the concurrency that only the queues\' high lanes (priorities 7-10) take.')
@minValue(0)
param laneSlots int = 1

@description('Messages prefetched per concurrent call: prefetchCount = concurrency x prefetchMultiplier.')
@minValue(0)
param prefetchMultiplier int

@description('NCRONTAB (with seconds) of the cleanup timer; the timer runs only in the group that owns the cleanup queue.')
param cleanupSchedule string

@description('Memory of each instance in MB.')
param instanceMemoryMB int

@description('Most instances the app scales out to.')
param maximumInstanceCount int

@description('Resource id of this app\'s subnet in the virtual network (private networking); empty: none.')
param virtualNetworkSubnetId string = ''

// Function names in Afirgen.TaskProcessor.Functions, per queue; and the timer.
// The documented form AzureWebJobs.<FUNCTION_NAME>.Disabled works on Linux plans as long as the
// function name has no hyphen (see infra/README.md).
var runsCleanupTimer = contains(queues, 'cleanup')

var appSettings = {
  // Functions host storage, by identity.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // Service Bus trigger connection, by identity.
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId

  // DefaultAzureCredential in app code picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId

  // Telemetry with Entra ID (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Results in Redis, Entra ID auth, TLS, no password.
  TaskProcessor__Redis__Configuration: '${redisHostName}:${redisPort},ssl=True,abortConnect=False'
  TaskProcessor__Redis__Credential: 'managedidentity'
  TaskProcessor__Redis__ClientId: identityClientId

  // The AFIRGen tasks: report files and archives by identity (DefaultAzureCredential picks AZURE_CLIENT_ID).
  Afirgen__Storage__ServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
  Afirgen__Storage__ReportsContainer: reportsContainerName
  Afirgen__Storage__ArchiveContainer: archiveContainerName

  // The AFIRGen tasks' mail; the password is a Key Vault reference (below). Afirgen__Cache__* is not set:
  // the tasks then use the processor's Redis connection above (Entra ID), where AFIRGen's cache lives.
  Afirgen__Smtp__Host: smtpHost
  Afirgen__Smtp__Port: smtpPort
  Afirgen__Smtp__Security: smtpSecurity
  Afirgen__Smtp__From: smtpFrom
  Afirgen__Smtp__UserName: smtpUserName

  // Celery's concurrency and prefetch multiplier, per worker group.
  TaskProcessor__Worker__Concurrency: string(concurrency)
  TaskProcessor__Worker__PrefetchMultiplier: string(prefetchMultiplier)
  // Slots beside the concurrency that only a queue's high lane takes, so a priority 7-10 task starts at once.
  TaskProcessor__Worker__LaneSlots: string(laneSlots)
  AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: string(concurrency)
  AzureFunctionsJobHost__extensions__serviceBus__prefetchCount: string(concurrency * prefetchMultiplier)

  // Celery beat's schedule.
  CleanupSchedule: cleanupSchedule

  // The dashboard is the site's root page (host.json's route prefix is empty): should its function ever be
  // off, "/" answers 204 rather than the host's own "your Functions app is up and running" page.
  AzureWebJobsDisableHomepage: 'true'

  // `celery worker -Q ...`: this group's queues on, the others off.
  'AzureWebJobs.ProcessDefaultQueue.Disabled': contains(queues, 'default') ? 'false' : 'true'
  'AzureWebJobs.ProcessDefaultHighQueue.Disabled': contains(queues, 'default') ? 'false' : 'true'
  'AzureWebJobs.ProcessEmailQueue.Disabled': contains(queues, 'email') ? 'false' : 'true'
  'AzureWebJobs.ProcessEmailHighQueue.Disabled': contains(queues, 'email') ? 'false' : 'true'
  'AzureWebJobs.ProcessReportsQueue.Disabled': contains(queues, 'reports') ? 'false' : 'true'
  'AzureWebJobs.ProcessReportsHighQueue.Disabled': contains(queues, 'reports') ? 'false' : 'true'
  'AzureWebJobs.ProcessAnalyticsQueue.Disabled': contains(queues, 'analytics') ? 'false' : 'true'
  'AzureWebJobs.ProcessAnalyticsHighQueue.Disabled': contains(queues, 'analytics') ? 'false' : 'true'
  'AzureWebJobs.ProcessCleanupQueue.Disabled': contains(queues, 'cleanup') ? 'false' : 'true'
  'AzureWebJobs.ProcessCleanupHighQueue.Disabled': contains(queues, 'cleanup') ? 'false' : 'true'
  'AzureWebJobs.ScheduleCleanup.Disabled': runsCleanupTimer ? 'false' : 'true'
}

// Secrets, as Key Vault references that the platform resolves as the site's keyVaultReferenceIdentity
// (the user-assigned identity). Left out when there is no secret, so the app names the missing setting.
var secretSettings = union(
  empty(databaseConnectionStringSecretUri)
    ? {}
    : {
        Afirgen__Database__ConnectionString: '@Microsoft.KeyVault(SecretUri=${databaseConnectionStringSecretUri})'
      },
  empty(smtpPasswordSecretUri)
    ? {}
    : {
        Afirgen__Smtp__Password: '@Microsoft.KeyVault(SecretUri=${smtpPasswordSecretUri})'
      }
)

module plan '../core/host/flex-consumption-plan.bicep' = {
  name: '${serviceName}-plan'
  params: {
    name: planName
    location: location
    tags: tags
  }
}

module functionApp '../core/host/functions-flex-consumption.bicep' = {
  name: '${serviceName}-app'
  params: {
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    appServicePlanId: plan.outputs.resourceId
    identityId: identityId
    deploymentBlobEndpoint: blobEndpoint
    deploymentContainerName: deploymentContainerName
    runtimeName: 'dotnet-isolated'
    runtimeVersion: '10.0'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: union(appSettings, secretSettings)
    virtualNetworkSubnetId: virtualNetworkSubnetId
  }
}

@description('Name of the function app.')
output name string = functionApp.outputs.name

@description('Resource id of the function app.')
output resourceId string = functionApp.outputs.resourceId

@description('HTTPS base address of the function app.')
output uri string = functionApp.outputs.uri
